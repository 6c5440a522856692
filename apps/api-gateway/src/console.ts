import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The admin console's Content-Security-Policy: scripts, fonts, images and API calls from this origin
 * only (no inline or eval'd script, nothing from a CDN). Inline *styles* stay allowed: the UI library
 * (MUI, emotion) and the charts write style elements and attributes at run time.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** Where the console's build lives (apps/console/dist, made by scripts/build-console.js). */
export function consoleDistDir(): string {
  return process.env.CONSOLE_DIST_DIR || path.resolve(__dirname, '..', '..', 'console', 'dist');
}

/**
 * Serves the admin console (a static single-page app) at /console/ with a strict CSP. These are plain
 * Fastify routes, outside Nest: the gateway's guard (credentials, rate limits) is not asked for the
 * page's assets; every API call the page makes carries the signed-in admin's credentials instead.
 * Without a build, /console/ answers 503 saying how to build it.
 */
export async function registerConsole(app: NestFastifyApplication, dist = consoleDistDir()): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const index = path.join(dist, 'index.html');
  const setSecurity = (reply: FastifyReply) => { for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v); };
  fastify.get('/console', (_req, reply) => { setSecurity(reply); return reply.redirect('/console/', 301); });
  if (!existsSync(index)) {
    fastify.get('/console/*', (_req, reply) => {
      setSecurity(reply);
      return reply.code(503).type('text/plain; charset=utf-8').send('The admin console is not built: run `node scripts/build-console.js` (npm ci does it).\n');
    });
    return;
  }
  const html = readFileSync(index);
  await fastify.register(fastifyStatic, {
    root: dist,
    prefix: '/console/',
    decorateReply: false,
    index: false,
    allowedPath: (pathName) => !pathName.split('/').some((s) => s.startsWith('.')),
    setHeaders: (res, filePath) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      // Hashed file names never change: cache them for a year.
      if (filePath.includes(`${path.sep}assets${path.sep}`)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    },
  });
  // The page itself (the app routes in the URL fragment, so only /console/ is ever asked for).
  fastify.get('/console/', (_req, reply) => {
    setSecurity(reply);
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  });
}
