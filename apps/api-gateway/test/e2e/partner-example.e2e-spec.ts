import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { createWozaMaliClient, externalServicesHealth, pointsEarn, webhooksEndpointsGet } from '@wozamali/sdk';
import { DisposableBroker, ROOT, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import { ADMIN_KEY, startGateway, type RunningGateway, startBuiltService } from '../medium/gateway-harness';

const exec = promisify(execFile);

// examples/partner-integration in CI: the example notification service against the running
// platform (built wallet-service and webhook-dispatcher behind the real gateway).
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_gwpartner`;
// A broker of its own, on a port of its own: jest runs two files at once, and four gateway e2e files start one.
const broker = new DisposableBroker(Number(process.env.GATEWAY_E2E_KAFKA_PORT || 19472) + 10);
const children: ChildProcess[] = [];

const startService = (name: string, env: Record<string, string>): Promise<string> => startBuiltService(name, env, { prefix, brokers: broker.brokers, children });

describe('examples/partner-integration against the running platform', () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    await broker.start();
    const env = { ...process.env, DB_PREFIX: prefix, KAFKA_BROKERS: broker.brokers, DATABASE_URL: serverUrl() };
    await exec(process.execPath, [path.join(ROOT, 'scripts/kafka-topics.js')], { env });
    await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'webhook-dispatcher'], { env });
    const [walletUrl, webhooksUrl] = await Promise.all([
      startService('wallet-service', {}),
      startService('webhook-dispatcher', { WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms', WEBHOOK_POLL_INTERVAL_MS: '50', HEALTH_PROBES_ENABLED: 'false' }),
    ]);
    gw = await startGateway({ WALLET_SERVICE_URL: walletUrl, WEBHOOKS_SERVICE_URL: webhooksUrl, REDIS_KEY_PREFIX: uniqueName('gwpartner') });
  }, 150_000);

  afterAll(async () => {
    await gw?.close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await broker.stop();
  }, 60_000);

  it('gets its key, registers, subscribes, receives and verifies a wallet_update, sends heartbeats, and removes what it created (the built example, as a process)', async () => {
    let out = '';
    const example = spawn(process.execPath, [path.join(ROOT, 'examples/partner-integration/dist/main.js')], {
      env: { ...process.env, WOZAMALI_URL: gw.url, WOZAMALI_ADMIN_KEY: ADMIN_KEY, PARTNER_SERVICE_ID: uniqueName('notify').replace(/_/g, '-'), PARTNER_HEARTBEAT_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    example.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    example.stderr.on('data', (c: Buffer) => { out += c.toString(); });
    try {
      const ready = await waitFor(() => /ready registration=(\S+) endpoint=(\S+)/.exec(out), `the example ready (${out})`, 60_000, 100);
      const [, registrationId, endpointId] = ready;
      const admin = createWozaMaliClient({ baseUrl: gw.url, apiKey: ADMIN_KEY, serviceId: 'admin' });
      const user = randomUUID();
      await pointsEarn({ client: admin, path: { user_id: user }, body: { points: 30, reason: 'partner example' }, throwOnError: true });
      // It printed the verified event (a delivery that does not verify is answered 401 and not printed).
      await waitFor(() => new RegExp(`\\[partner\\] wallet_update \\S+ .*${user}`).test(out), 'a verified wallet_update', 90_000, 100);
      await waitFor(() => /heartbeat 2 ok/.test(out), 'two heartbeats', 30_000, 100);
      const health = await externalServicesHealth({ client: admin, throwOnError: true });
      expect(JSON.stringify(health.data)).toContain(registrationId);
      example.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => example.once('exit', resolve));
      expect([code, /stopped: endpoint, registration and key removed/.test(out)]).toEqual([0, true]);
      expect((await webhooksEndpointsGet({ client: admin, path: { id: endpointId } })).response?.status).toBe(404);
    } finally {
      if (example.exitCode === null) example.kill('SIGKILL');
    }
  }, 180_000);
});
