import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../src';

// Issue 18: outside development a service refuses to start without its own Kafka user and database
// role (it never falls back to the development credentials file or to the superuser).
const SERVICES = ['wallet-service', 'rewards-service', 'donations-service', 'withdrawals-service', 'metrics-service', 'webhook-dispatcher', 'api-gateway'];

function boot(service: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'apps', service, 'dist', 'main.js')], { env, timeout: 30_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

it.each(SERVICES)('%s refuses to start in production without KAFKA_SASL_USERNAME/PASSWORD and DB_USER, naming them', async (service) => {
  const { code, stderr } = await boot(service, { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '1', KAFKA_BROKERS: '127.0.0.1:1' });
  expect(code).toBe(78);
  for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'DB_USER']) expect(stderr).toContain(name);
});

it('refuses the superuser as the role of a service in production', async () => {
  const { code, stderr } = await boot('wallet-service', {
    PATH: process.env.PATH, NODE_ENV: 'production', PORT: '1', KAFKA_BROKERS: '127.0.0.1:1', DB_USER: 'postgres', KAFKA_SASL_USERNAME: 'wallet-service', KAFKA_SASL_PASSWORD: 'x',
  });
  expect(code).toBe(78);
  expect(stderr).toMatch(/DB_USER=\\"postgres\\": a service never logs in as the superuser/);
});
