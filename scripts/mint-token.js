#!/usr/bin/env node
// Development command: mints an end-user JWT (HS256 with JWT_SECRET, or the gateway's development
// secret) or a fresh API key. Production tokens come from the identity provider, never from here.
//   node scripts/mint-token.js --sub <uuid> --role resident|collector|admin [--ttl 3600]
//   node scripts/mint-token.js --api-key            (a new wm_live_… key, e.g. for ADMIN_API_KEY)
// Needs the build (npm run build / npm start).
'use strict';
const path = require('node:path');
const { randomUUID } = require('node:crypto');

const root = path.resolve(__dirname, '..');
let auth;
let gatewayEnv;
try {
  auth = require(path.join(root, 'libs/auth/dist'));
  gatewayEnv = require(path.join(root, 'apps/api-gateway/dist/config/env'));
} catch {
  console.error('mint-token: build first (node scripts/build.js)');
  process.exit(1);
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) {
    console.error(`mint-token: --${name} needs a value`);
    process.exit(64);
  }
  return v;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log('usage: node scripts/mint-token.js --sub <uuid> --role resident|collector|admin [--ttl seconds]\n       node scripts/mint-token.js --api-key');
  process.exit(0);
}

if (process.argv.includes('--api-key')) {
  console.log(auth.generateApiKey().token);
  process.exit(0);
}

const sub = arg('sub', randomUUID());
const role = arg('role', 'resident');
const ttl = Number(arg('ttl', '3600'));
// The secret `npm start` made for this checkout (.run/jwt-secret), else the gateway's development default.
let devSecret = gatewayEnv.DEV_JWT_SECRET;
try { devSecret = require('node:fs').readFileSync(path.join(process.env.WOZAMALI_RUN_DIR || path.join(root, '.run'), 'jwt-secret'), 'utf8').trim() || devSecret; } catch { /* none yet */ }
const secret = process.env.JWT_SECRET || devSecret;
if (!auth.canonicalUuid(sub)) { console.error('mint-token: --sub must be a UUID'); process.exit(64); }
if (!auth.USER_ROLES.includes(role)) { console.error(`mint-token: --role must be one of ${auth.USER_ROLES.join(', ')}`); process.exit(64); }
if (!Number.isInteger(ttl) || ttl <= 0 || ttl > 30 * 86400) { console.error('mint-token: --ttl must be 1..2592000 seconds'); process.exit(64); }
process.stdout.write(`${auth.mintUserToken(secret, { sub: sub.toLowerCase(), role, expiresInSeconds: ttl })}\n`);
