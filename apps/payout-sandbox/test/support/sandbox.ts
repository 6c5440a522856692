import { randomBytes, randomUUID } from 'node:crypto';
import { type RunningSandbox, type SandboxOptions, startPayoutSandbox } from '../../src/sandbox/server';
import { CallbackReceiver } from './callback-receiver';

export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** A sandbox in this process on a free port, with a verifying callback receiver, on fast timings. */
export async function sandboxWithReceiver(options: SandboxOptions = {}): Promise<{ sandbox: RunningSandbox; receiver: CallbackReceiver; secret: string; stop(): Promise<void> }> {
  const secret = newSecret();
  const receiver = new CallbackReceiver(secret);
  const callbackUrl = await receiver.start();
  const sandbox = await startPayoutSandbox({ callbackUrl, webhookSecret: secret, processingAfterMs: 50, settleAfterMs: 100, callbackRetryDelaysMs: [50, 100, 150], logLevel: 'error', ...options });
  return {
    sandbox,
    receiver,
    secret,
    async stop() {
      await sandbox.close();
      await receiver.stop();
    },
  };
}

/** A valid payout request for the sandbox. */
export function payoutBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: randomUUID(),
    amount: 25_000,
    currency: 'ZAR',
    method: 'bank_transfer',
    destination: { bank_name: 'Standard Bank', account_holder: 'Thandi Nkosi', account_number: '1234566789', branch_code: '051001' },
    ...overrides,
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  ms: number;
}

/** One HTTP call; `timeoutMs` aborts it as a client's timeout would (then it throws). */
export async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed, ms: Date.now() - started };
}

export function createPayout(url: string, body: unknown, key: string, timeoutMs?: number): Promise<Answer> {
  return call(url, 'POST', '/v1/payouts', body, { 'idempotency-key': key }, timeoutMs);
}

/** Polls the payout by reference until `predicate` holds. */
export async function waitForPayout(url: string, reference: string, predicate: (p: any) => boolean, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any = null;
  while (Date.now() < deadline) {
    const r = await call(url, 'GET', `/v1/payouts/by-reference/${encodeURIComponent(reference)}`);
    last = r.body;
    if (r.status === 200 && predicate(r.body)) return r.body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`payout ${reference} never matched; last: ${JSON.stringify(last)}`);
}

export async function until<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The calendar day of now in Johannesburg (UTC+2, no DST). */
export function johannesburgToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
