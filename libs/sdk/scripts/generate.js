#!/usr/bin/env node
// Regenerates libs/sdk/src/generated from the public OpenAPI (apps/api-gateway/dist/openapi.json,
// written by the gateway's build) with @hey-api/openapi-ts. Run by scripts/build.js; the output is
// committed so that typechecking needs no build.
// One change to the input: `Idempotency-Key` is optional in the SDK's types, because the SDK makes
// one for every write the caller gives none (src/idempotent-fetch.ts); the API itself requires it.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '../../..');
const input = process.argv[2] || path.join(root, 'apps/api-gateway/dist/openapi.json');
const out = path.join(root, 'libs/sdk/src/generated');
const doc = JSON.parse(fs.readFileSync(input, 'utf8'));
for (const item of Object.values(doc.paths)) {
  for (const op of Object.values(item)) {
    for (const p of op.parameters || []) if (p.in === 'header' && p.name === 'Idempotency-Key') p.required = false;
  }
}
const tmp = path.join(os.tmpdir(), `wozamali-sdk-openapi-${process.pid}.json`);
fs.writeFileSync(tmp, JSON.stringify(doc));
fs.rmSync(out, { recursive: true, force: true });
const bin = path.join(root, 'node_modules/.bin/openapi-ts');
const { status } = spawnSync(bin, ['-i', tmp, '-o', out, '-c', '@hey-api/client-fetch', '--silent', '--no-log-file'], { stdio: 'inherit', cwd: root });
fs.rmSync(tmp, { force: true });
if (status !== 0) process.exit(status ?? 1);
// Generated code follows the generator's style, not this repository's lint rules.
(function mark(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) mark(p);
    else if (p.endsWith('.ts')) fs.writeFileSync(p, `/* eslint-disable */\n${fs.readFileSync(p, 'utf8')}`);
  }
})(out);
console.log(`[sdk] generated ${path.relative(root, out)} from ${path.relative(root, input)}`);
