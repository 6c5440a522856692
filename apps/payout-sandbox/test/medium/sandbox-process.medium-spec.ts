import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, ROOT, spawnService, type SpawnedService } from '@wozamali/testing';
import { CallbackReceiver } from '../support/callback-receiver';
import { call, createPayout, newSecret, payoutBody, until, waitForPayout } from '../support/sandbox';

describe('payout sandbox as its own process (as npm start runs it)', () => {
  let sandbox: SpawnedService;
  let receiver: CallbackReceiver;
  const secret = newSecret();

  beforeAll(async () => {
    receiver = new CallbackReceiver(secret);
    const callbackUrl = await receiver.start();
    sandbox = await spawnService('payout-sandbox', await freePort(), {
      PAYOUT_SANDBOX_CALLBACK_URL: callbackUrl,
      PAYOUT_SANDBOX_WEBHOOK_SECRET: secret,
      PAYOUT_SANDBOX_PROCESSING_AFTER_MS: '50',
      PAYOUT_SANDBOX_SETTLE_AFTER_MS: '100',
      PAYOUT_SANDBOX_CALLBACK_RETRY_MS: '50,100',
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    await sandbox?.stop('SIGKILL');
    await receiver.stop();
  });

  it('pays, reports by reference and calls back signed, from its build', async () => {
    const body = payoutBody({ method: 'mobile_money', destination: { provider: 'MTN', phone_number: '+27821234567' } });
    const created = await createPayout(sandbox.url, body, randomUUID());
    expect(created.status).toBe(201);
    await waitForPayout(sandbox.url, body.reference as string, (p) => p.status === 'completed');
    const got = await until(() => (receiver.accepted(body.reference as string).length === 2 ? receiver.accepted(body.reference as string) : null), 'two verified callbacks');
    expect(got.map((c) => c.body!.type)).toEqual(['payout.processing', 'payout.completed']);
    expect((await call(sandbox.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('never logs a destination', async () => {
    const body = payoutBody({ destination: { bank_name: 'Capitec', account_holder: 'Sipho Dlamini', account_number: '9988776655', branch_code: '470010' } });
    await createPayout(sandbox.url, body, randomUUID());
    await waitForPayout(sandbox.url, body.reference as string, (p) => p.status === 'completed');
    expect(sandbox.output()).toContain(body.reference as string);
    expect(sandbox.output()).not.toContain('9988776655');
    expect(sandbox.output()).not.toContain('Sipho');
  });

  it('stops gracefully on SIGTERM, even with a request hanging on a timeout fault', async () => {
    await call(sandbox.url, 'POST', '/v1/sandbox/faults', { respond: 'timeout' });
    const hanging = createPayout(sandbox.url, payoutBody(), randomUUID(), 10_000).catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    expect(await sandbox.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The client sees the connection closed, never an answer.
    expect(await hanging).toHaveProperty('message', expect.stringMatching(/fetch failed|terminated|closed|socket/i));
  });

  it('refuses to start on a bad environment and names the variable', async () => {
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'apps/payout-sandbox/dist/main.js')], { env: { ...process.env, PORT: '0', PAYOUT_SANDBOX_WEBHOOK_SECRET: 'not-a-secret' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', (code) => resolve({ code, text }));
    });
    expect(out.code).toBe(1);
    expect(out.text).toContain('PAYOUT_SANDBOX_WEBHOOK_SECRET');
  });
});
