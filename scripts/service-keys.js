#!/usr/bin/env node
// Service-token keys (Ed25519, one pair per service; README "Service authentication").
//   node scripts/service-keys.js <dir>          development keys, made once per checkout in <dir> (npm start, npm test)
//   node scripts/service-keys.js --new <service> a fresh pair for production or a rotation: prints the
//                                                private JWK (that service's SERVICE_PRIVATE_KEY) and the
//                                                public JWK (add it to the callees' SERVICE_PUBLIC_KEYS)
// Needs the build (node scripts/build.js).
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let auth;
try {
  auth = require(path.join(root, 'libs/auth/dist'));
} catch {
  console.error('service-keys: build first (node scripts/build.js)');
  process.exit(1);
}

const args = process.argv.slice(2);
if (args[0] === '--new') {
  const service = args[1];
  if (!auth.SERVICE_NAMES.includes(service)) {
    console.error(`service-keys: --new needs one of ${auth.SERVICE_NAMES.join(', ')}`);
    process.exit(64);
  }
  const id = new Date().toISOString().slice(0, 10);
  const pair = auth.generateServiceKeyPair(service, `${id}-${require('node:crypto').randomBytes(3).toString('hex')}`);
  process.stdout.write(`SERVICE_PRIVATE_KEY='${JSON.stringify(pair.privateJwk)}'\n# public key, for SERVICE_PUBLIC_KEYS of the services it calls:\n${JSON.stringify(pair.publicJwk)}\n`);
} else if (args.length === 1 && !args[0].startsWith('--')) {
  auth.developmentServiceKeys(path.resolve(args[0]));
} else {
  console.error('usage: service-keys.js <dir> | --new <service>');
  process.exit(64);
}
