import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

/** A delivery claimed by a worker, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  claim_id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  cycle_start: number;
  url: string;
  secrets_version: number;
  body: string;
}

/** How many new deliveries a fan-out may claim for this process, on which terms. */
export interface DirectClaim {
  limit: number;
  leaseMs: number;
  /** Endpoints not to claim (breaker open, sockets full): their deliveries stay pending. */
  skipEndpoints: string[];
}

/** What a worker writes back for one claimed delivery. */
export interface DeliveryOutcome {
  id: string;
  claimId: string;
  endpointId: string;
  status: DeliveryStatus;
  /** Wait before the next attempt; null for none (delivered, dead or parked). */
  delayMs: number | null;
  attemptCount: number;
  /** An attempt was made and is logged (false when the breaker deferred it). */
  attempt: { at: Date; statusCode: number | null; durationMs: number; snippet: string | null; error: string | null } | null;
}

export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  priority: number;
  status: DeliveryStatus;
  next_attempt_at: Date | null;
  attempt_count: number;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AttemptRow {
  id: string;
  attempt_no: number;
  attempted_at: Date;
  status_code: number | null;
  duration_ms: number;
  response_snippet: string | null;
  error: string | null;
}

const DELIVERY_COLUMNS = 'id, event_id, event_type, endpoint_id, priority, status, next_attempt_at, attempt_count, last_attempt_at, delivered_at, created_at, updated_at';

/** An event as the fan-out stores it: its body is built once, so retries sign the same bytes. */
export interface FanOutEvent {
  id: string;
  type: string;
  occurredAt: string;
  body: string;
  priority: number;
}

export const DELIVERIES_CHANNEL = 'webhook_deliveries_due';

type FanOutRow = Omit<ClaimedDelivery, 'claim_id'> & { claim_id: string | null };

/**
 * The fan-out statement: one delivery per (event, subscribed endpoint), parked when the endpoint is
 * disabled, up to $6 of them claimed for the caller ($8 ms lease; endpoints in $7 never). With
 * `withInbox`, the events are first recorded in the inbox of consumer $9 and only the new ones fan
 * out; every row then carries `handled` (the number of new events), and one row with null columns
 * stands for a batch that created no delivery.
 */
function fanOutSql(withInbox: boolean): string {
  const events = `select distinct on (id) * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::smallint[]) as ev(id, type, occurred_at, body, priority)`;
  const fanOut = `targets as (
      select ev.*, e.id as endpoint_id, e.enabled, e.url, e.secrets_version,
             e.enabled and not (e.id = any($7::uuid[])) and row_number() over (order by ev.priority, ev.occurred_at) <= $6 as direct
      from ev join webhook_endpoints e on e.event_types @> array[ev.type]
    ), msg as (
      insert into webhook_messages (id, type, occurred_at, body)
      select distinct on (id) id, type, occurred_at, body from targets
      on conflict (id) do nothing
    ), ins as (
      insert into webhook_deliveries (event_id, event_type, endpoint_id, priority, status, next_attempt_at, claim_id)
      select id, type, endpoint_id, priority, case when enabled then 'pending' else 'failed' end,
             case when not enabled then null when direct then now() + $8::bigint * interval '1 millisecond' else now() end,
             case when direct then gen_random_uuid() end
      from targets
      on conflict (event_id, endpoint_id) do nothing
      returning id, claim_id, event_id, event_type, endpoint_id, status, attempt_count, cycle_start
    ), created as (
      select ins.*, t.url, t.secrets_version, t.body from ins join targets t on t.id = ins.event_id and t.endpoint_id = ins.endpoint_id
    )`;
  if (!withInbox) return `with ev as (${events}), ${fanOut} select * from created`;
  return `with fresh as (
      insert into inbox (consumer, event_id, event_type)
      select $9, id, type from unnest($1::uuid[], $2::text[]) as t(id, type)
      on conflict do nothing returning event_id
    ), ev as (select * from (${events}) e where e.id in (select event_id from fresh)), ${fanOut}
    select n.handled, c.* from (select count(*)::int as handled from fresh) n left join created c on true`;
}

function fanOutParams(events: FanOutEvent[], direct: DirectClaim | undefined): unknown[] {
  return [
    events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.occurredAt), events.map((e) => e.body), events.map((e) => e.priority),
    direct?.limit ?? 0, direct?.skipEndpoints ?? [], direct?.leaseMs ?? 0,
  ];
}

function claimedOf(rows: FanOutRow[]): ClaimedDelivery[] {
  return rows.filter((r): r is ClaimedDelivery => r.claim_id !== null);
}

@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * In the inbox transaction: stores each event's body once and creates one delivery per endpoint
   * subscribed to its type (parked when the endpoint is disabled), pending for any worker (the row
   * trigger wakes the workers when it commits). Idempotent per (event, endpoint). One round trip for
   * the whole batch; returns the number of deliveries created.
   */
  async fanOut(manager: EntityManager, events: FanOutEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return ((await manager.query(fanOutSql(false), fanOutParams(events, undefined))) as FanOutRow[]).length;
  }

  /**
   * A whole Kafka batch in one statement, which PostgreSQL applies atomically: the inbox rows of
   * `consumer` (events it has already handled are skipped), then the fan-out of the new events as
   * {@link fanOut}. One round trip instead of a transaction's four; returns how many events were new
   * and how many deliveries they made.
   *
   * With `direct`, up to `direct.limit` of the new deliveries are claimed by the caller in the same
   * statement (leased as {@link claimDue} does) and returned, so this process can send them as soon
   * as the statement commits, without a wake-up and a claim query. The others are left pending for
   * any worker. A process that dies before sending leaves its leases to expire: at-least-once.
   */
  async applyBatch(consumer: string, events: FanOutEvent[], direct?: DirectClaim): Promise<{ handled: number; created: number; claimed: ClaimedDelivery[] }> {
    if (events.length === 0) return { handled: 0, created: 0, claimed: [] };
    const rows = (await this.db.query(fanOutSql(true), [...fanOutParams(events, direct), consumer])) as (FanOutRow & { handled: number })[];
    const created = rows.filter((r) => r.id !== null);
    return { handled: rows[0]?.handled ?? 0, created: created.length, claimed: claimedOf(created) };
  }

  /**
   * Claims due deliveries (skipping rows other workers hold and endpoints whose breaker is open
   * here), leasing them for `leaseMs`: a worker that dies leaves them to be claimed again.
   */
  async claimDue(limit: number, leaseMs: number, skipEndpoints: string[]): Promise<ClaimedDelivery[]> {
    const [rows] = (await this.db.query(
      `with due as (
         select d.id from webhook_deliveries d
         where d.status in ('pending', 'failed') and d.next_attempt_at <= now()
           and not (d.endpoint_id = any($3::uuid[]))
         order by d.priority, d.next_attempt_at
         limit $1
         for update skip locked
       )
       update webhook_deliveries d
       set next_attempt_at = now() + $2::bigint * interval '1 millisecond', claim_id = gen_random_uuid()
       from due, webhook_endpoints e, webhook_messages m
       where d.id = due.id and e.id = d.endpoint_id and m.id = d.event_id
       returning d.id, d.claim_id, d.event_id, d.event_type, d.endpoint_id, d.status, d.attempt_count, d.cycle_start,
                 e.url, e.secrets_version, m.body`,
      [limit, leaseMs, skipEndpoints],
    )) as [ClaimedDelivery[], number];
    return rows;
  }

  /**
   * Writes a batch of outcomes in one statement: each delivery's new state (only if this worker
   * still holds its claim; parked if the endpoint was disabled meanwhile), its attempt, and the
   * endpoints' failing-since marks.
   */
  async complete(outcomes: DeliveryOutcome[], runner: DataSource | EntityManager = this.db): Promise<void> {
    if (outcomes.length === 0) return;
    await runner.query(
      `with r as (
         select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::int[], $7::boolean[],
                              $8::timestamptz[], $9::int[], $10::int[], $11::text[], $12::text[])
           as r(id, claim_id, endpoint_id, status, delay_ms, attempt_count, logged, attempted_at, status_code, duration_ms, snippet, error)
       ), u as (
         update webhook_deliveries d set
           status = case when r.status in ('pending', 'failed') and not e.enabled then 'failed' else r.status end,
           next_attempt_at = case when r.delay_ms is null or not e.enabled then null else now() + r.delay_ms * interval '1 millisecond' end,
           attempt_count = r.attempt_count,
           last_attempt_at = case when r.logged then r.attempted_at else d.last_attempt_at end,
           delivered_at = case when r.status = 'delivered' then r.attempted_at else d.delivered_at end,
           claim_id = null,
           updated_at = now()
         from r, webhook_endpoints e
         where d.id = r.id and d.claim_id = r.claim_id and e.id = d.endpoint_id
       ), a as (
         insert into webhook_attempts (delivery_id, attempt_no, attempted_at, status_code, duration_ms, response_snippet, error)
         select r.id, r.attempt_count, r.attempted_at, r.status_code, r.duration_ms, r.snippet, r.error
         from r where r.logged and exists (select 1 from webhook_deliveries d where d.id = r.id)
       ), ok as (
         update webhook_endpoints set failing_since = null
         where id in (select endpoint_id from r where status = 'delivered') and failing_since is not null
       )
       update webhook_endpoints set failing_since = now()
       where id in (select endpoint_id from r where logged and status <> 'delivered')
         and id not in (select endpoint_id from r where status = 'delivered')
         and failing_since is null`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.claimId),
        outcomes.map((o) => o.endpointId),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.delayMs),
        outcomes.map((o) => o.attemptCount),
        outcomes.map((o) => o.attempt !== null),
        outcomes.map((o) => o.attempt?.at ?? null),
        outcomes.map((o) => o.attempt?.statusCode ?? null),
        outcomes.map((o) => o.attempt?.durationMs ?? 0),
        outcomes.map((o) => o.attempt?.snippet ?? null),
        outcomes.map((o) => o.attempt?.error ?? null),
      ],
    );
  }

  async countDue(): Promise<number> {
    const rows = (await this.db.query(
      `select count(*)::int as n from webhook_deliveries where status in ('pending', 'failed') and next_attempt_at <= now()`,
    )) as { n: number }[];
    return rows[0]!.n;
  }

  /**
   * Retention: deletes, for up to `limit` messages created before the cutoff, their finished
   * deliveries (delivered or dead; attempts go with them), then the old messages that have no
   * delivery left. A message with a delivery still pending or failing keeps everything. The status
   * test is re-checked on a delivery locked meanwhile, so one replayed at this moment stays.
   */
  async pruneFinished(olderThanMs: number, limit: number): Promise<{ deliveries: number; messages: number }> {
    const cutoff = "now() - $1::bigint * interval '1 millisecond'";
    const [, deliveries] = (await this.db.query(
      `delete from webhook_deliveries d
       using (select m.id from webhook_messages m
              where m.created_at < ${cutoff}
                and not exists (select 1 from webhook_deliveries x where x.event_id = m.id and x.status in ('pending', 'failed'))
              order by m.created_at limit $2) old
       where d.event_id = old.id and d.status in ('delivered', 'dead')`,
      [olderThanMs, limit],
    )) as [unknown, number];
    const [, messages] = (await this.db.query(
      `delete from webhook_messages where id in (
         select m.id from webhook_messages m
         where m.created_at < ${cutoff} and not exists (select 1 from webhook_deliveries x where x.event_id = m.id)
         order by m.created_at limit $2)`,
      [olderThanMs, limit],
    )) as [unknown, number];
    return { deliveries, messages };
  }

  /** Gives claimed deliveries back (a worker stopping with them unfinished). */
  async release(claimIds: string[]): Promise<void> {
    if (claimIds.length === 0) return;
    await this.db.query(
      `update webhook_deliveries set next_attempt_at = now(), claim_id = null where claim_id = any($1::uuid[]) and status in ('pending', 'failed')`,
      [claimIds],
    );
  }

  /**
   * A test send: the event stored and one delivery of it to `endpointId` only (not fanned out to the
   * other subscribers), due now; the worker signs and sends it like any other.
   */
  async insertTest(manager: EntityManager, event: FanOutEvent, endpointId: string): Promise<string> {
    await manager.query(`insert into webhook_messages (id, type, occurred_at, body) values ($1, $2, $3, $4)`, [event.id, event.type, event.occurredAt, event.body]);
    const [row] = (await manager.query(
      `insert into webhook_deliveries (event_id, event_type, endpoint_id, priority, status, next_attempt_at) values ($1, $2, $3, $4, 'pending', now()) returning id`,
      [event.id, event.type, endpointId, event.priority],
    )) as { id: string }[];
    return row!.id;
  }

  /** A page of an endpoint's deliveries, newest first, after the delivery `before` (the previous page's last). */
  async listForEndpoint(endpointId: string, status: DeliveryStatus | undefined, limit: number, before: string | undefined): Promise<DeliveryRow[]> {
    return (await this.db.query(
      `select ${DELIVERY_COLUMNS} from webhook_deliveries
       where endpoint_id = $1 and ($2::text is null or status = $2) and ($3::uuid is null or id < $3)
       order by id desc limit $4`,
      [endpointId, status ?? null, before ?? null, limit],
    )) as DeliveryRow[];
  }

  async getById(id: string, runner: DataSource | EntityManager = this.db): Promise<DeliveryRow | null> {
    const rows = (await runner.query(`select ${DELIVERY_COLUMNS} from webhook_deliveries where id = $1`, [id])) as DeliveryRow[];
    return rows[0] ?? null;
  }

  async attemptsOf(deliveryId: string): Promise<AttemptRow[]> {
    return (await this.db.query(
      `select id, attempt_no, attempted_at, status_code, duration_ms, response_snippet, error
       from webhook_attempts where delivery_id = $1 order by attempt_no, attempted_at`,
      [deliveryId],
    )) as AttemptRow[];
  }

  /** Sends a delivery again now with a fresh retry cycle (a manual retry). */
  async requeue(manager: EntityManager, id: string): Promise<DeliveryRow | null> {
    const [rows] = (await manager.query(
      `update webhook_deliveries set status = 'pending', next_attempt_at = now(), cycle_start = attempt_count, updated_at = now()
       where id = $1 returning ${DELIVERY_COLUMNS}`,
      [id],
    )) as [DeliveryRow[], number];
    await manager.query(`select pg_notify('${DELIVERIES_CHANNEL}', '')`);
    return rows[0] ?? null;
  }

  /** Re-queues an endpoint's failed and dead deliveries created since `since`, each with a fresh retry cycle. */
  async requeueFailedSince(manager: EntityManager, endpointId: string, since: Date): Promise<number> {
    const [, count] = (await manager.query(
      `update webhook_deliveries set status = 'pending', next_attempt_at = now(), cycle_start = attempt_count, updated_at = now()
       where endpoint_id = $1 and status in ('failed', 'dead') and created_at >= $2`,
      [endpointId, since],
    )) as [unknown, number];
    await manager.query(`select pg_notify('${DELIVERIES_CHANNEL}', '')`);
    return count;
  }

  /** When `consumer` consumed an event (its inbox row), or null: for events no endpoint wanted. */
  async consumed(consumer: string, eventId: string): Promise<{ event_type: string; processed_at: Date } | null> {
    const rows = (await this.db.query('select event_type, processed_at from inbox where consumer = $1 and event_id = $2', [consumer, eventId])) as { event_type: string; processed_at: Date }[];
    return rows[0] ?? null;
  }

  /** The event's sync status: one delivery per endpoint, or null when the dispatcher holds no such event. */
  async byEvent(eventId: string): Promise<{ type: string; occurred_at: Date; deliveries: DeliveryRow[] } | null> {
    const msg = (await this.db.query('select type, occurred_at from webhook_messages where id = $1', [eventId])) as { type: string; occurred_at: Date }[];
    if (msg.length === 0) return null;
    const deliveries = (await this.db.query(
      `select ${DELIVERY_COLUMNS} from webhook_deliveries where event_id = $1 order by id`,
      [eventId],
    )) as DeliveryRow[];
    return { ...msg[0]!, deliveries };
  }
}
