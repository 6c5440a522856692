import { spawn } from 'node:child_process';
import path from 'node:path';
import { kafkaBrokers, ROOT, waitFor } from '../../src';

// `npm start` on this checkout: every service comes up, answers /health/ready (database and Kafka
// checked) on Node 24, and SIGTERM stops the whole platform cleanly.
const PORTS: Record<string, number> = {
  'wallet-service': 3811, 'rewards-service': 3812, 'donations-service': 3813, 'withdrawals-service': 3814,
  'metrics-service': 3815, 'webhook-dispatcher': 3816, 'api-gateway': 3818,
};

it('npm start brings every service to ready on Node 24, the seed demo passes through its gateway, and SIGTERM stops them all', async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DB_PREFIX: 'wozamali_test_start',
    KAFKA_BROKERS: kafkaBrokers(),
    MIGRATE_ARGS: '--reset',
    WOZAMALI_RUN_DIR: path.join(ROOT, '.run', 'start-test'),
    WALLET_PORT: String(PORTS['wallet-service']), REWARDS_PORT: String(PORTS['rewards-service']), DONATIONS_PORT: String(PORTS['donations-service']),
    WITHDRAWALS_PORT: String(PORTS['withdrawals-service']), METRICS_PORT: String(PORTS['metrics-service']), WEBHOOKS_PORT: String(PORTS['webhook-dispatcher']),
    GATEWAY_PORT: String(PORTS['api-gateway']),
  };
  const child = spawn('bash', [path.join(ROOT, 'scripts/start.sh')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const up = waitFor(() => out.includes('WozaMali Rewards is up'), 'npm start to report the platform up', 150_000, 250);
    const died = exited.then((code) => { throw new Error(`npm start exited with ${code} before the platform was up:\n${out}`); });
    await Promise.race([up, died]);
    for (const [service, port] of Object.entries(PORTS)) {
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect({ service, status: ready.status }).toEqual({ service, status: 200 });
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { status: 'up' }, kafka: { status: 'up' } } });
      const live = (await (await fetch(`http://127.0.0.1:${port}/health/live`)).json()) as { node: string; service: string };
      expect(live.service).toBe(service);
      expect(live.node).toMatch(/^v24\./);
    }
    expect(out).toContain(`gateway:  http://127.0.0.1:${PORTS['api-gateway']}`);
    expect(out).toMatch(/admin:\s+Authorization: Bearer wm_live_/);

    // A newcomer's first run: the seed's recycling flow through the gateway of this platform; twice
    // in a row, since the demo removes what it made (its endpoint, its service, its key).
    const runDemo = () => new Promise<{ code: number | null; output: string }>((resolve) => {
      const p = spawn(process.execPath, [path.join(ROOT, 'scripts/demo')], { cwd: ROOT, env: { ...env, GATEWAY_URL: `http://127.0.0.1:${PORTS['api-gateway']}` } });
      let output = '';
      p.stdout.on('data', (d: Buffer) => { output += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { output += d.toString(); });
      p.on('exit', (code) => resolve({ code, output }));
    });
    for (const run of [1, 2]) {
      const demo = await runDemo();
      expect({ run, complete: demo.output.includes('demo complete'), code: demo.code, output: demo.code === 0 ? '' : demo.output }).toEqual({ run, complete: true, code: 0, output: '' });
    }
  } finally {
    child.kill('SIGTERM');
  }
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000))]);
  expect(code).toBe(0);
  expect(out).toContain('[start] stopped');
  for (const port of Object.values(PORTS)) {
    await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
  }
}, 240_000);

it('runs the tests themselves on Node 24', () => {
  expect(process.version).toMatch(/^v24\./);
});
