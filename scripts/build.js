#!/usr/bin/env node
// Compiles every lib and app (src/ -> dist/) with swc in one process. Type checking is `npm run typecheck`.
// Usage: node scripts/build.js [project ...]   (default: all)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const root = path.resolve(__dirname, '..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

function projects() {
  const out = [];
  for (const kind of ['libs', 'apps', 'examples']) {
    const dir = path.join(root, kind);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (fs.existsSync(path.join(dir, name, 'src'))) out.push({ name, dir: path.join(dir, name) });
    }
  }
  return out;
}

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts') && !/\.(spec|medium-spec|e2e-spec)\.ts$/.test(p)) yield p;
  }
}

async function buildProject(project) {
  const src = path.join(project.dir, 'src');
  const dist = path.join(project.dir, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  let count = 0;
  for (const file of walk(src)) {
    const rel = path.relative(src, file).replace(/\.ts$/, '.js');
    const outFile = path.join(dist, rel);
    const result = await swc.transformFile(file, { ...swcrc, swcrc: false, filename: file, sourceFileName: path.relative(path.dirname(outFile), file) });
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, `${result.code}\n//# sourceMappingURL=${path.basename(outFile)}.map\n`);
    if (result.map) fs.writeFileSync(`${outFile}.map`, result.map);
    count += 1;
  }
  return count;
}

(async () => {
  const wanted = process.argv.slice(2);
  const list = projects().filter((p) => wanted.length === 0 || wanted.includes(p.name));
  const started = Date.now();
  let files = 0;
  for (const project of list) files += await buildProject(project);
  console.log(`[build] ${list.length} projects, ${files} files in ${Date.now() - started} ms`);
  // Each routed service's OpenAPI, emitted from its built controllers and DTOs into apps/<svc>/openapi.json
  // (committed; the gateway merges them). One process per service: DTO class names never meet.
  const emitter = path.join(root, 'apps/api-gateway/dist/openapi/emit-cli.js');
  if (fs.existsSync(emitter)) {
    const services = ['wallet-service', 'rewards-service', 'donations-service', 'withdrawals-service', 'metrics-service', 'webhook-dispatcher'];
    for (const svc of services) {
      if (!fs.existsSync(path.join(root, 'apps', svc, 'dist', 'controllers'))) continue;
      if (wanted.length && !wanted.includes(svc) && !wanted.includes('api-gateway')) continue;
      const { status } = require('node:child_process').spawnSync(process.execPath, [emitter, svc], { stdio: 'inherit' });
      if (status !== 0) process.exit(status ?? 1);
    }
    // The public document (as /openapi.json serves it), then the SDK generated from it (libs/sdk, recompiled).
    if (wanted.length === 0 || wanted.includes('api-gateway') || wanted.includes('sdk')) {
      const run = (args) => require('node:child_process').spawnSync(process.execPath, args, { stdio: 'inherit' }).status;
      if (run([path.join(root, 'apps/api-gateway/dist/openapi/write-public.js'), path.join(root, 'apps/api-gateway/dist/openapi.json')]) !== 0) process.exit(1);
      if (run([path.join(root, 'libs/sdk/scripts/generate.js')]) !== 0) process.exit(1);
      const sdk = projects().find((p) => p.name === 'sdk');
      if (sdk) await buildProject(sdk);
    }
  }
  // The admin console (React + Vite, apps/console/web): built by its own script, skipped when up to date.
  if (wanted.length === 0 || wanted.includes('console')) {
    const { status } = require('node:child_process').spawnSync(process.execPath, [path.join(__dirname, 'build-console.js'), ...(wanted.includes('console') ? ['--force'] : [])], { stdio: 'inherit' });
    if (status !== 0) process.exit(status ?? 1);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
