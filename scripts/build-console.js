#!/usr/bin/env node
// Builds the admin console (apps/console, React + Vite) into apps/console/dist, which the gateway serves
// at /console. Run by `npm ci`/`npm install` (the root package's postinstall), `npm start` and `npm test`.
// Skipped when the build is up to date (a hash of the console's sources, its Vite config and the
// lockfile is kept in dist/.build-hash), so a second run costs milliseconds. `--force` always builds.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const app = path.join(root, 'apps', 'console');
const dist = path.join(app, 'dist');
const stampFile = path.join(dist, '.build-hash');

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else yield p;
  }
}

function sourceHash() {
  const h = crypto.createHash('sha256');
  const inputs = [...files(path.join(app, 'web')), path.join(app, 'index.html'), path.join(app, 'vite.config.mjs'), path.join(root, 'package-lock.json')];
  for (const f of inputs) h.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  return h.digest('hex');
}

(async () => {
  if (!fs.existsSync(path.join(app, 'web'))) return;
  const hash = sourceHash();
  const force = process.argv.includes('--force');
  if (!force && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8').trim() === hash && fs.existsSync(path.join(dist, 'index.html'))) {
    console.log('[console] build is up to date');
    return;
  }
  let vite;
  try {
    vite = await import('vite');
  } catch (err) {
    // A production install without devDependencies: the console is not built (the gateway says so at /console).
    console.warn(`[console] vite is not installed (${err.code || err.message}); the console is not built`);
    return;
  }
  const started = Date.now();
  await vite.build({ configFile: path.join(app, 'vite.config.mjs'), logLevel: 'warn' });
  fs.writeFileSync(stampFile, `${hash}\n`);
  console.log(`[console] built apps/console/dist in ${Date.now() - started} ms`);
})().catch((err) => {
  console.error('[console] build failed:', err);
  process.exit(1);
});
