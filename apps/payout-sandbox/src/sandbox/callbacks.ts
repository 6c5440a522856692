import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** One callback event and every attempt to deliver it. */
export interface CallbackRecord {
  /** The `webhook-id`: the same on every retry (and on a deliberate same-id duplicate). */
  webhook_id: string;
  type: string;
  payout_id: string;
  reference: string;
  status: string;
  attempts: { at: string; status: number | null; error: string | null }[];
  delivered: boolean;
  /** Given up after the last retry, or no URL/secret was configured. */
  given_up: boolean;
}

export interface CallbackSettings {
  url: string;
  secret: string;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
}

type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/**
 * Signs callbacks per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,…`)
 * and delivers them one payout at a time, in order, retrying a callback not answered 2xx.
 */
export class CallbackSender {
  readonly log: CallbackRecord[] = [];
  private readonly chains = new Map<string, Promise<void>>();
  private readonly sleeping = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly settings: () => CallbackSettings,
    private readonly logger: Log,
  ) {}

  /** Queues `data` as a callback of `type` for the payout; resolves when it was delivered or given up. */
  send(type: string, data: { id: string; reference: string; status: string } & Record<string, unknown>, webhookId = `msg_${randomUUID().replace(/-/g, '')}`): Promise<void> {
    const record: CallbackRecord = { webhook_id: webhookId, type, payout_id: data.id, reference: data.reference, status: data.status, attempts: [], delivered: false, given_up: false };
    this.log.push(record);
    const body = JSON.stringify({ id: webhookId, type, timestamp: new Date().toISOString(), data });
    const previous = this.chains.get(data.id) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(record, body));
    this.chains.set(data.id, next);
    return next;
  }

  private async deliver(record: CallbackRecord, body: string): Promise<void> {
    const delays = this.settings().retryDelaysMs;
    for (let attempt = 0; attempt <= delays.length && !this.closed; attempt += 1) {
      if (attempt > 0) await this.sleep(delays[attempt - 1]);
      if (this.closed) break;
      const { url, secret, timeoutMs } = this.settings();
      if (!url || !secret) {
        record.given_up = true;
        this.logger('warn', 'callback not sent: no callback URL or secret configured', { webhook_id: record.webhook_id, type: record.type });
        return;
      }
      const at = new Date();
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': record.webhook_id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(record.webhook_id, at, body) },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        record.attempts.push({ at: at.toISOString(), status: res.status, error: null });
        if (res.ok) {
          record.delivered = true;
          return;
        }
      } catch (err) {
        record.attempts.push({ at: at.toISOString(), status: null, error: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network_error' });
      }
    }
    if (this.closed) return; // shutting down: not given up, just not finished
    record.given_up = !record.delivered;
    if (record.given_up) this.logger('warn', 'callback given up', { webhook_id: record.webhook_id, type: record.type, attempts: record.attempts.length });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleeping.delete(t);
        resolve();
      }, ms);
      this.sleeping.set(t, resolve);
    });
  }

  /** Stops retrying; callbacks in flight finish or fail. */
  close(): void {
    this.closed = true;
    for (const [t, wake] of this.sleeping) {
      clearTimeout(t);
      wake();
    }
    this.sleeping.clear();
  }

  /** Resolves when every queued callback was delivered or given up. */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
