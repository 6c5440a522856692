import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { validateEnv } from '@wozamali/config';
import { AppModule } from '../app.module';
import { ApiGatewayEnv } from '../config/env';
import { buildOpenApi } from '../openapi';

// `node apps/api-gateway/dist/openapi/write-public.js <file>`: writes the public OpenAPI document
// (as /openapi.json serves it) without starting anything: Nest's preview mode resolves the modules
// and their routes but creates no provider (no database, Redis or Kafka connection).
async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: write-public <file>');
  const env = validateEnv(ApiGatewayEnv, { ...process.env, NODE_ENV: 'test', JWT_SECRET: 'preview-only-jwt-secret-at-least-32-bytes' });
  const app = await NestFactory.create(AppModule.register(env), new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
  const { doc, unmatched } = buildOpenApi(app);
  await app.close();
  if (unmatched.length) throw new Error(`routes no service declares: ${unmatched.join(', ')}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`[openapi] public: ${Object.keys(doc.paths).length} paths → ${path.relative(process.cwd(), out)}`);
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
