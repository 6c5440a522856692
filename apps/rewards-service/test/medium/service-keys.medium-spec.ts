import { spawn } from 'node:child_process';
import path from 'node:path';
import { kafkaBrokers, ROOT, serverUrl } from '@wozamali/testing';

// Outside development a service never falls back to development keys: without its own it does not start.
it('in production the service refuses to start without SERVICE_PRIVATE_KEY and SERVICE_PUBLIC_KEYS, naming them (exit 78)', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'apps/rewards-service/dist/main.js')], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', DB_USER: 'rewards', KAFKA_SASL_USERNAME: 'rewards-service', KAFKA_SASL_PASSWORD: 'not-used-here', DATABASE_URL: serverUrl(), KAFKA_BROKERS: kafkaBrokers(), DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', PORT: '3997' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(78);
  expect(out).toMatch(/SERVICE_PRIVATE_KEY=null: required in production/);
  expect(out).toMatch(/SERVICE_PUBLIC_KEYS=null: required in production/);
});
