import { Injectable, Logger } from '@nestjs/common';
import { serviceDatabaseUrl } from '@wozamali/database';
import { ServiceMetrics } from '@wozamali/platform';
import { TransactionRunner, WakeSignal, type OutboxTransaction } from '@wozamali/messaging';
import CircuitBreaker from 'opossum';
import { Client } from 'pg';
import type { Counter } from 'prom-client';
import { WebhookDispatcherEnv } from '../config/env';
import { DELIVERIES_CHANNEL, DeliveryRepository, type ClaimedDelivery, type DeliveryOutcome, type DirectClaim } from '../repositories/delivery.repository';
import { EndpointRepository } from '../repositories/endpoint.repository';
import { HttpSender, type SendResult } from './http-sender';
import { parseRetryAfter, RetryPolicy } from './retry-policy';
import { webhookHeaders } from './signature';
import { SigningKeys } from './signing-keys';
import { UrlGuard } from './url-guard';

/** A failed attempt, thrown inside the breaker so it counts (or not) towards opening it. */
class AttemptFailed extends Error {
  constructor(readonly result: SendResult) {
    super(result.error ?? `HTTP ${result.statusCode}`);
  }
}

/** The receiver's own fault (4xx but 408/429) says nothing about its availability. */
function isClientError(result: SendResult): boolean {
  const s = result.statusCode;
  return s !== null && s >= 400 && s < 500 && s !== 408 && s !== 429;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Breaker = CircuitBreaker<[string, Record<string, string>, string], SendResult>;

/** Why an endpoint gets disabled by the worker. */
type DisableReason = 'gone' | 'failing';

/**
 * Claims due deliveries in batches (`for update skip locked`, with a lease), signs and POSTs each
 * through its endpoint's circuit breaker, and writes the outcomes back in batches. At-least-once:
 * a delivery is marked delivered only after a 2xx; a worker that dies leaves its claims to expire.
 */
@Injectable()
export class DeliveryWorker {
  private readonly logger = new Logger('DeliveryWorker');
  private readonly sender: HttpSender;
  private readonly breakers = new Map<string, Breaker>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** So one slow endpoint cannot take every slot from the others. */
  private readonly inFlightByEndpoint = new Map<string, number>();
  private readonly outcomes: { outcome: DeliveryOutcome; claimed: ClaimedDelivery; disable: DisableReason | null }[] = [];
  private readonly attemptsTotal: Counter<'outcome'>;
  private running = false;
  private aborting = false;
  private loop: Promise<void> | null = null;
  private flushing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private listener: Client | null = null;
  private readonly signal = new WakeSignal();
  /** Slots promised to fan-outs whose statements have not committed yet. */
  private reserved = 0;
  /** Deliveries one consumed event makes here (subscribed endpoints), a moving average. */
  private deliveriesPerEvent = 1;
  /** Counters for tests and /metrics. */
  readonly stats = { claimed: 0, direct: 0, delivered: 0, failed: 0, dead: 0, deferred: 0 };

  constructor(
    private readonly env: WebhookDispatcherEnv,
    private readonly deliveries: DeliveryRepository,
    private readonly endpoints: EndpointRepository,
    private readonly keys: SigningKeys,
    private readonly transactions: TransactionRunner,
    private readonly policy: RetryPolicy,
    guard: UrlGuard,
    metrics: ServiceMetrics,
  ) {
    this.sender = new HttpSender({ timeoutMs: env.WEBHOOK_TIMEOUT_MS, maxSocketsPerHost: env.WEBHOOK_MAX_SOCKETS_PER_HOST, guard });
    this.attemptsTotal = metrics.counter('webhook_delivery_attempts_total', 'Delivery attempts by outcome', ['outcome']);
    metrics.gauge('webhook_deliveries_claimed_by_fanout', 'Deliveries claimed by the fan-out itself and sent on commit, since start', () => this.stats.direct);
    metrics.gauge('webhook_deliveries_claimed_by_query', 'Deliveries claimed by the claim query (retries, backlog, other instances\' events), since start', () => this.stats.claimed - this.stats.direct);
    metrics.gauge('webhook_deliveries_in_flight', 'Deliveries being sent by this process', () => this.inFlight.size);
    metrics.gauge('webhook_deliveries_due', 'Deliveries due now and not claimed (the backlog)', () => this.deliveries.countDue());
  }

  private get minClaim(): number {
    return Math.max(1, Math.min(this.env.WEBHOOK_CLAIM_BATCH, Math.floor(this.env.WEBHOOK_CONCURRENCY / 4)));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.aborting = false;
    this.loop = this.run();
  }

  /**
   * Stops claiming, lets what is in flight finish for up to `graceMs`, then aborts the rest and
   * gives their claims back so another instance sends them at once.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.notify();
    await this.loop;
    const unfinished = [...this.inFlight.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(unfinished).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.aborting = true;
      this.sender.destroy();
      await Promise.all(this.inFlight.values());
    }
    await this.flush();
    await this.flushing;
    this.sender.destroy();
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }

  private notify(): void {
    this.signal.notify();
  }

  private waitForWork(ms: number): Promise<void> {
    return this.signal.wait(ms);
  }

  private async listen(): Promise<void> {
    if (this.listener) return;
    const client = new Client({
      connectionString: serviceDatabaseUrl(this.env, 'webhook-dispatcher'),
      application_name: 'webhook-dispatcher:worker',
    });
    client.on('notification', () => this.notify());
    client.on('error', () => {
      this.listener = null;
    });
    await client.connect();
    await client.query(`listen ${DELIVERIES_CHANNEL}`);
    this.listener = client;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        await this.listen().catch((err: Error) => this.logger.warn(`listen failed, polling only: ${err.message}`));
        const free = this.env.WEBHOOK_CONCURRENCY - this.inFlight.size - this.reserved;
        // Under load, claim in batches rather than one row per freed slot (a round trip each).
        if (free <= 0 || (free < this.minClaim && this.inFlight.size > 0)) {
          await this.waitForWork(this.env.WEBHOOK_POLL_INTERVAL_MS);
          continue;
        }
        const limit = Math.min(free, this.env.WEBHOOK_CLAIM_BATCH);
        const claimed = await this.deliveries.claimDue(limit, this.env.WEBHOOK_LEASE_MS, this.skippedEndpoints());
        this.stats.claimed += claimed.length;
        for (const row of claimed) this.launch(row);
        backoff = 100;
        if (claimed.length < limit) await this.waitForWork(this.env.WEBHOOK_POLL_INTERVAL_MS);
      } catch (err) {
        this.logger.warn(`claiming failed, retrying in ${backoff} ms: ${(err as Error).message}`);
        await this.waitForWork(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /**
   * What a fan-out of `events` new events in this process may claim for it in its own statement
   * (null while stopped or full): about as many deliveries as those events make (learnt from the
   * fan-outs so far), within the free slots. The slots are reserved until {@link endDirectClaim}, so
   * fan-outs running side by side (one per partition) cannot together claim more than the
   * worker's concurrency. Same lease and endpoint exclusions as a claim query.
   */
  directClaim(events: number): DirectClaim | null {
    if (!this.running) return null;
    const want = Math.ceil(events * Math.max(1, this.deliveriesPerEvent) * 1.5);
    const limit = Math.min(want, this.env.WEBHOOK_CLAIM_BATCH, this.env.WEBHOOK_CONCURRENCY - this.inFlight.size - this.reserved);
    if (limit <= 0) return null;
    this.reserved += limit;
    return { limit, leaseMs: this.env.WEBHOOK_LEASE_MS, skipEndpoints: this.skippedEndpoints() };
  }

  /**
   * Ends a direct claim: frees its reservation, learns how many deliveries an event makes, and
   * sends what the fan-out claimed (`rows`, once its statement has committed). Without rows (the
   * statement failed, or claimed nothing) it only frees the reservation.
   */
  endDirectClaim(claim: DirectClaim, rows: ClaimedDelivery[] = [], made?: { events: number; deliveries: number }): void {
    this.reserved = Math.max(0, this.reserved - claim.limit);
    if (made && made.events > 0) this.deliveriesPerEvent = 0.8 * this.deliveriesPerEvent + 0.2 * (made.deliveries / made.events);
    if (rows.length === 0) return;
    if (!this.running) {
      // Stopped meanwhile: give the claims back so another instance sends them at once.
      this.deliveries.release(rows.map((r) => r.claim_id)).catch((err: Error) => this.logger.warn(`claims not released (their leases will expire): ${err.message}`));
      return;
    }
    this.stats.claimed += rows.length;
    this.stats.direct += rows.length;
    for (const row of rows) this.launch(row);
  }

  /** Endpoints not to claim for now: breaker open, or as many requests in flight as sockets allowed. */
  private skippedEndpoints(): string[] {
    const skip: string[] = [];
    for (const [id, breaker] of this.breakers) if (breaker.opened) skip.push(id);
    for (const [id, n] of this.inFlightByEndpoint) if (n >= this.env.WEBHOOK_MAX_SOCKETS_PER_HOST) skip.push(id);
    return skip;
  }

  private launch(row: ClaimedDelivery): void {
    this.inFlightByEndpoint.set(row.endpoint_id, (this.inFlightByEndpoint.get(row.endpoint_id) ?? 0) + 1);
    const task = this.deliver(row)
      .then((entry) => this.record(entry))
      .catch((err: Error) => this.logger.error(`delivery ${row.id} not recorded (its lease will expire): ${err.message}`))
      .finally(() => {
        this.inFlight.delete(row.claim_id);
        const left = (this.inFlightByEndpoint.get(row.endpoint_id) ?? 1) - 1;
        if (left > 0) this.inFlightByEndpoint.set(row.endpoint_id, left);
        else this.inFlightByEndpoint.delete(row.endpoint_id);
        this.notify();
      });
    this.inFlight.set(row.claim_id, task);
  }

  private breakerFor(endpointId: string): Breaker {
    let breaker = this.breakers.get(endpointId);
    if (!breaker) {
      breaker = new CircuitBreaker(
        async (url: string, headers: Record<string, string>, body: string) => {
          const result = await this.sender.post(url, headers, body);
          if (result.statusCode === null || result.statusCode < 200 || result.statusCode >= 300) throw new AttemptFailed(result);
          return result;
        },
        {
          timeout: false, // the sender enforces its own timeout and aborts the request
          errorThresholdPercentage: 50,
          volumeThreshold: this.env.WEBHOOK_BREAKER_VOLUME_THRESHOLD,
          resetTimeout: this.env.WEBHOOK_BREAKER_RESET_MS,
          rollingCountTimeout: 10_000,
          errorFilter: (err: unknown) => err instanceof AttemptFailed && isClientError(err.result),
          name: `webhook:${endpointId}`,
        },
      );
      breaker.on('open', () => this.logger.warn(`circuit opened for endpoint ${endpointId}`));
      this.breakers.set(endpointId, breaker);
    }
    return breaker;
  }

  /** One attempt (or a deferral while the endpoint's breaker is open). */
  private async deliver(row: ClaimedDelivery): Promise<{ outcome: DeliveryOutcome; claimed: ClaimedDelivery; disable: DisableReason | null }> {
    const base = { id: row.id, claimId: row.claim_id, endpointId: row.endpoint_id };
    const breaker = this.breakerFor(row.endpoint_id);
    const keys = await this.keys.keysFor(row.endpoint_id, row.secrets_version);
    const at = new Date();
    let result: SendResult;
    try {
      result = await breaker.fire(row.url, webhookHeaders(keys, row.event_id, row.body, at.getTime()), row.body);
    } catch (err) {
      if (err instanceof AttemptFailed) {
        result = err.result;
      } else if ((err as { code?: string }).code === 'EOPENBREAKER') {
        // Nothing is dropped while the breaker is open: the delivery waits, no attempt is spent.
        this.stats.deferred += 1;
        this.attemptsTotal.inc({ outcome: 'deferred' });
        // While open, claims skip the endpoint anyway; this short wait covers the half-open trial.
        const delayMs = Math.min(this.env.WEBHOOK_BREAKER_RESET_MS, 1000);
        return { claimed: row, disable: null, outcome: { ...base, status: row.status, delayMs, attemptCount: row.attempt_count, attempt: null } };
      } else {
        result = { statusCode: null, durationMs: Date.now() - at.getTime(), snippet: null, retryAfter: undefined, error: (err as Error).message };
      }
    }
    if (this.aborting && result.statusCode === null) {
      // Aborted by our own shutdown: not the receiver's failure, so no attempt is spent.
      return { claimed: row, disable: null, outcome: { ...base, status: row.status, delayMs: 0, attemptCount: row.attempt_count, attempt: null } };
    }
    const attemptCount = row.attempt_count + 1;
    const attempt = { at, statusCode: result.statusCode, durationMs: result.durationMs, snippet: result.snippet, error: result.error };
    const code = result.statusCode;
    if (code !== null && code >= 200 && code < 300) {
      this.stats.delivered += 1;
      this.attemptsTotal.inc({ outcome: 'delivered' });
      return { claimed: row, disable: null, outcome: { ...base, status: 'delivered', delayMs: null, attemptCount, attempt } };
    }
    if (code === 410) {
      // The receiver says the endpoint is gone for good: disable it, park what it has waiting.
      this.stats.failed += 1;
      this.attemptsTotal.inc({ outcome: 'gone' });
      return { claimed: row, disable: 'gone', outcome: { ...base, status: 'failed', delayMs: null, attemptCount, attempt } };
    }
    const retryAfter = code === 429 || code === 503 ? parseRetryAfter(result.retryAfter) : null;
    const decision = this.policy.afterFailure(attemptCount - row.cycle_start, retryAfter);
    if (decision.kind === 'dead') {
      this.stats.dead += 1;
      this.attemptsTotal.inc({ outcome: 'dead' });
      return { claimed: row, disable: 'failing', outcome: { ...base, status: 'dead', delayMs: null, attemptCount, attempt } };
    }
    this.stats.failed += 1;
    this.attemptsTotal.inc({ outcome: 'failed' });
    return { claimed: row, disable: 'failing', outcome: { ...base, status: 'failed', delayMs: decision.delayMs, attemptCount, attempt } };
  }

  private record(entry: { outcome: DeliveryOutcome; claimed: ClaimedDelivery; disable: DisableReason | null }): Promise<void> {
    this.outcomes.push(entry);
    if (this.outcomes.length >= 200) return this.flush();
    this.flushTimer ??= setTimeout(() => void this.flush(), 5);
    return Promise.resolve();
  }

  /** Writes the buffered outcomes; one write at a time, retried until the database takes it. */
  private async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    while (this.flushing) await this.flushing;
    if (this.outcomes.length === 0) return;
    const batch = this.outcomes.splice(0, this.outcomes.length);
    this.flushing = this.write(batch).finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  private async write(batch: { outcome: DeliveryOutcome; claimed: ClaimedDelivery; disable: DisableReason | null }[]): Promise<void> {
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 5000)) {
      try {
        const dead = batch.filter((b) => b.outcome.status === 'dead' && b.claimed.event_type !== 'webhook_delivery_failed');
        if (dead.length === 0) {
          await this.deliveries.complete(batch.map((b) => b.outcome));
        } else {
          await this.transactions.run(async (tx) => {
            await this.deliveries.complete(batch.map((b) => b.outcome), tx.manager);
            await tx.emit(...dead.map((b) => ({
              type: 'webhook_delivery_failed' as const,
              data: { endpoint_id: b.claimed.endpoint_id, event_id: b.claimed.event_id, event_type: b.claimed.event_type, delivery_id: b.claimed.id, reason: 'delivery_dead' as const },
            })));
          });
        }
        break;
      } catch (err) {
        if (!this.running && backoff >= 5000) {
          this.logger.error(`giving up writing ${batch.length} outcomes at shutdown (their leases will expire): ${(err as Error).message}`);
          return;
        }
        this.logger.warn(`writing outcomes failed, retrying in ${backoff} ms: ${(err as Error).message}`);
        await sleep(backoff);
      }
    }
    await this.disableEndpoints(batch);
  }

  /** 410 disables at once; an endpoint failing with no success for the configured time is disabled too. */
  private async disableEndpoints(batch: { outcome: DeliveryOutcome; claimed: ClaimedDelivery; disable: DisableReason | null }[]): Promise<void> {
    const gone = new Map<string, ClaimedDelivery>();
    const failing = new Map<string, ClaimedDelivery>();
    for (const b of batch) {
      if (b.disable === 'gone') gone.set(b.claimed.endpoint_id, b.claimed);
      else if (b.disable === 'failing') failing.set(b.claimed.endpoint_id, b.claimed);
    }
    try {
      const overdue = failing.size ? await this.endpoints.findFailingLongerThan([...failing.keys()], this.env.WEBHOOK_DISABLE_AFTER_FAILING_MS) : [];
      const targets: [ClaimedDelivery, DisableReason][] = [
        ...[...gone.values()].map((c) => [c, 'gone'] as [ClaimedDelivery, DisableReason]),
        ...overdue.filter((id) => !gone.has(id)).map((id) => [failing.get(id)!, 'failing'] as [ClaimedDelivery, DisableReason]),
      ];
      for (const [claimed, reason] of targets) {
        await this.transactions.run((tx) => this.disableWithEvent(tx, claimed, reason));
      }
    } catch (err) {
      this.logger.warn(`disabling endpoints failed (retried on their next failure): ${(err as Error).message}`);
    }
  }

  private async disableWithEvent(tx: OutboxTransaction, claimed: ClaimedDelivery, reason: DisableReason): Promise<void> {
    if (!(await this.endpoints.disable(tx.manager, claimed.endpoint_id, reason))) return;
    this.logger.warn(`endpoint ${claimed.endpoint_id} disabled: ${reason}`);
    await tx.emit({
      type: 'webhook_delivery_failed',
      data: { endpoint_id: claimed.endpoint_id, event_id: claimed.event_id, event_type: claimed.event_type, delivery_id: claimed.id, reason: `endpoint_disabled:${reason}` as const },
    });
  }
}
