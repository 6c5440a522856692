import { randomUUID } from 'node:crypto';
import { uuidv7, type WalletUpdateData } from '@wozamali/contracts';
import { OutboxRelay, OutboxWriter, createKafka } from '@wozamali/messaging';
import { kafkaBrokers, openTestDataSource, serviceAuthHeaders, testDatabaseUrl, uniqueName, waitFor } from '@wozamali/testing';
import type { DataSource } from 'typeorm';

export function walletUpdate(userId: string, cents: number): WalletUpdateData {
  return {
    user_id: userId, wallet_id: userId, transfer_id: uuidv7(), kind: 'earn', currency: 'ZAR',
    balance_change: cents, points_change: cents, description: `earned ${cents}`, new_balance: cents, new_points: cents, held: 0,
  };
}

/**
 * The producing side: the wallet-service's test database, its real outbox and a relay to the real
 * broker. A "wallet credit" is a business row and its `wallet_update` committed in one transaction.
 */
export class WalletSide {
  private constructor(readonly db: DataSource, private readonly relay: OutboxRelay, private readonly outbox: OutboxWriter) {}

  static async start(): Promise<WalletSide> {
    const db = await openTestDataSource('wallet-service', 4);
    await db.query('create table if not exists webhook_test_credits (id uuid primary key, user_id uuid not null, cents int not null)');
    const relay = new OutboxRelay({ service: uniqueName('webhook-e2e-relay'), connectionString: testDatabaseUrl('wallet-service'), kafka: createKafka(uniqueName('webhook-e2e'), kafkaBrokers()), pollIntervalMs: 20 });
    relay.start();
    return new WalletSide(db, relay, new OutboxWriter('wallet-service'));
  }

  /** Commits a credit and its event; returns the event id. */
  async credit(cents: number, userId: string = uuidv7()): Promise<string> {
    const [event] = await this.db.transaction(async (tx) => {
      await tx.query('insert into webhook_test_credits (id, user_id, cents) values ($1, $2, $3)', [uuidv7(), userId, cents]);
      return this.outbox.add(tx, { type: 'wallet_update', subject: userId, data: walletUpdate(userId, cents), correlation_id: uniqueName('req') });
    });
    return event!.id;
  }

  async pointsUpdate(points: number, userId: string = uuidv7()): Promise<string> {
    const [event] = await this.db.transaction((tx) => this.outbox.add(tx, {
      type: 'points_update', subject: userId,
      data: { user_id: userId, transfer_id: uuidv7(), kind: 'earn', points_change: points, new_points: points, lifetime_points: points, reason: 'collection' },
    }));
    return event!.id;
  }

  /**
   * Waits until the dispatcher (whose database is `dispatcherDb`) consumes what is published now:
   * a group that starts at the newest events only sees events after it joined, so probes are
   * published until one arrives. Run it before creating endpoints (probes fan out to nobody).
   */
  async untilConsumedBy(dispatcherDb: DataSource, timeoutMs = 45_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const probe = await this.credit(1);
      const seen = await waitFor(async () => (await dispatcherDb.query('select 1 from inbox where event_id = $1', [probe])).length > 0, 'probe', 3000, 100).catch(() => false);
      if (seen) return;
    }
    throw new Error('the dispatcher did not start consuming');
  }

  async stop(): Promise<void> {
    await this.relay.stop();
    await this.db.destroy();
  }
}

/**
 * JSON over HTTP to the dispatcher's API, with a service token. Every POST needs an
 * Idempotency-Key: a fresh one is sent unless `headers` carries one (an empty one sends none).
 */
export async function api(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; type: string; json: any; headers: Headers }> {
  const sent: Record<string, string> = {
    ...(await serviceAuthHeaders('webhook-dispatcher')),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
    ...headers,
  };
  if (sent['idempotency-key'] === '') delete sent['idempotency-key'];
  const res = await fetch(`${base}${path}`, {
    method,
    headers: sent,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? JSON.parse(text) : null, headers: res.headers };
}
