import type { MigrationInterface, QueryRunner } from 'typeorm';
import { LEDGER_OUTBOX_SQL } from './1764000001000-ledger';
import { LedgerExecuteHelpers1764500000000 } from './1764500000000-ledger-execute-helpers';

/**
 * Two changes to the ledger's write path (1764500000000 stays as it was merged):
 *
 * 1. **As fast as the single function.** The split into named helpers (1764500000000) cost about
 *    11 % of earns/s. The cause: `ledger_outbox` and `ledger_store_result` were `language sql`
 *    functions, which PostgreSQL (before 18) plans again on every call, and the record-returning
 *    helpers were called through `select * into`, a full query each. They are now plpgsql (plans
 *    cached per session) and called by assignment. `node bench/wallet/ledger-ab.js` measures it:
 *    backend CPU per earn, and earns/s, against the merged single function on twin databases.
 * 2. **A system account's debit draws on all its shards.** Credits to a campaign, the reward sink
 *    and payout clearing land on a random one of 64 shards (so they don't queue behind one row);
 *    a debit used to take shard 0 (campaigns) or a random shard and was refused when that shard was
 *    short even though the account as a whole could pay. A posting marked `spread` (postings.ts
 *    marks every debit of a sharded account) locks all the account's shards in shard order, checks
 *    their sum, and takes from the fullest first; a reversal that debits such an account does the
 *    same, so refunds, cancelled rewards, disbursements and returned payouts are never refused by
 *    where a credit happened to land.
 *
 * | rule                      | where it is enforced                                                                    |
 * |---------------------------|-----------------------------------------------------------------------------------------|
 * | no overdraft              | the conditional UPDATEs `… where allow_negative or balance + delta − held >= 0` in       |
 * |                           | ledger_apply_postings and ledger_apply_reversal, `balance − held >=` in ledger_apply_hold,|
 * |                           | the locked sum in ledger_debit_spread; backstop: the accounts CHECKs                    |
 * |                           | balance_not_negative and held_within_balance                                            |
 * | zero-sum per asset        | trigger postings_zero_sum (statement level) on the one postings INSERT of                |
 * |                           | ledger_write_journal; the builders (src/ledger/postings.ts) make two postings a leg      |
 * | reversed once             | ledger_check_reversible (refuses a second reversal); backstop: UNIQUE                   |
 * |                           | transfers.reverses_transfer_id                                                          |
 * | hold settled once         | ledger_apply_hold: `update holds … where status = 'pending'` (a second post/void is 409)  |
 * | lock order (no deadlock)  | the caller sorts the postings (postings.ts sortForLocking: users first, then owner type, |
 * |                           | owner, asset, shard; a spread debit sorts as shard 0 and locks shards 0…63 in order);     |
 * |                           | ledger_apply_reversal takes the original's rows in the same order                       |
 * | idempotency               | ledger_claim_key inserts the key row first (a concurrent duplicate waits on it, then     |
 * |                           | replays); ledger_store_result keeps the answer; UNIQUE transfers_collection_once         |
 * | journal is append-only    | triggers postings_immutable and transfers_immutable (1764000001000)                      |
 */
export class LedgerFastHelpersSpreadDebits1764600000000 implements MigrationInterface {
  name = 'LedgerFastHelpersSpreadDebits1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(OUTBOX_PLPGSQL);
    await q.query(STORE_RESULT_PLPGSQL);
    await q.query(DEBIT_SPREAD_SQL);
    await q.query(APPLY_POSTINGS_SQL);
    await q.query(APPLY_REVERSAL_SQL);
    await q.query(LEDGER_EXECUTE_V3_SQL);
  }

  /** Back to 1764500000000 as merged: its own down (the single function) then its up (the helpers as they were). */
  async down(q: QueryRunner): Promise<void> {
    await q.query('drop function if exists ledger_debit_spread(text, text, text, bigint, timestamptz)');
    await q.query('drop function if exists ledger_outbox(jsonb, int, text, uuid, timestamptz, jsonb)');
    await q.query(LEDGER_OUTBOX_SQL);
    const helpers = new LedgerExecuteHelpers1764500000000();
    await helpers.down(q);
    await helpers.up(q);
  }
}

/** The same outbox row as 1764000001000's, in plpgsql so its INSERT's plan is cached. */
const OUTBOX_PLPGSQL = `
create or replace function ledger_outbox(p jsonb, idx int, type text, subject uuid, at timestamptz, data jsonb) returns void language plpgsql as $fn$
begin
  insert into outbox (id, topic, key, type, payload) values ((p->'event_ids'->>idx)::uuid, p->>'topic', subject::text, type,
    jsonb_build_object('id', p->'event_ids'->>idx, 'type', type, 'version', 1, 'source', p->>'source',
      'occurred_at', to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'subject', subject,
      'correlation_id', p->>'correlation_id', 'data', data));
end $fn$`;

/** The answer, stored against the idempotency key so a retry gets exactly this answer (plpgsql: cached plan). */
const STORE_RESULT_PLPGSQL = `
create or replace function ledger_store_result(p jsonb, a_result jsonb) returns void language plpgsql as $fn$
begin
  if p->>'key' is not null then
    update idempotency_keys set status_code = 201, response = a_result || '{"replayed": true}'::jsonb
     where client_id = p->>'client' and key = p->>'key';
  end if;
end $fn$`;

/**
 * Debits `a_amount` (> 0) from an account spread over shards: every shard is locked in shard order,
 * the sum of what they hold decides (refused naming the asset when short), and the fullest shards
 * pay first. One posting per shard it takes from.
 */
const DEBIT_SPREAD_SQL = `
create function ledger_debit_spread(a_owner_type text, a_owner_id text, a_asset text, a_amount bigint, a_now timestamptz)
    returns ledger_posting[] language plpgsql as $fn$
declare
  v_free bigint;
  v_row record;
  v_take bigint;
  v_left bigint := a_amount;
  v_bal bigint;
  v_out ledger_posting[] := '{}';
begin
  select coalesce(sum(s.balance - s.held), 0) into v_free from (
    select balance, held from accounts
     where owner_type = a_owner_type and owner_id = a_owner_id and asset = a_asset and not allow_negative and cached
     order by shard for update) s;
  if v_free < a_amount then perform ledger_refuse_insufficient(a_asset); end if;
  for v_row in
    select id, balance - held as free from accounts
     where owner_type = a_owner_type and owner_id = a_owner_id and asset = a_asset and not allow_negative and cached and balance - held > 0
     order by balance - held desc, shard
  loop
    v_take := least(v_row.free, v_left);
    update accounts set balance = balance - v_take, updated_at = a_now where id = v_row.id returning balance into v_bal;
    v_out := v_out || row(v_row.id, a_asset, -v_take, false, v_bal, a_owner_type, a_owner_id)::ledger_posting;
    v_left := v_left - v_take;
    exit when v_left = 0;
  end loop;
  return v_out;
end $fn$`;

/** 1764500000000's, plus postings marked `spread` (debits of sharded system accounts). */
const APPLY_POSTINGS_SQL = `
create or replace function ledger_apply_postings(a_postings jsonb, a_now timestamptz) returns ledger_posting[] language plpgsql as $fn$
declare
  e jsonb;
  v_acc uuid;
  v_bal bigint;
  v_amount bigint;
  v_out ledger_posting[] := '{}';
begin
  for e in select value from jsonb_array_elements(coalesce(a_postings, '[]'::jsonb)) loop
    v_amount := (e->>'amount')::bigint;
    if v_amount < 0 and coalesce((e->>'spread')::boolean, false) then
      v_out := v_out || ledger_debit_spread(e->>'owner_type', e->>'owner_id', e->>'asset', -v_amount, a_now);
      continue;
    end if;
    if coalesce((e->>'uncached')::boolean, false) then
      -- No balance to keep, so no row lock: only the account's id for the posting.
      select id into v_acc from accounts
       where owner_type = e->>'owner_type' and owner_id = e->>'owner_id' and asset = e->>'asset' and shard = (e->>'shard')::smallint;
      if not found then
        insert into accounts (owner_type, owner_id, asset, shard, allow_negative, cached)
        values (e->>'owner_type', e->>'owner_id', e->>'asset', (e->>'shard')::smallint, true, false)
        on conflict do nothing;
        select id into v_acc from accounts
         where owner_type = e->>'owner_type' and owner_id = e->>'owner_id' and asset = e->>'asset' and shard = (e->>'shard')::smallint;
      end if;
      v_out := v_out || row(v_acc, e->>'asset', v_amount, false, null::bigint, e->>'owner_type', e->>'owner_id')::ledger_posting;
      continue;
    end if;
    update accounts set balance = balance + v_amount,
           lifetime_earned = lifetime_earned + case when (e->>'lifetime')::boolean then v_amount else 0 end,
           updated_at = a_now
     where owner_type = e->>'owner_type' and owner_id = e->>'owner_id' and asset = e->>'asset' and shard = (e->>'shard')::smallint
       and (allow_negative or balance + v_amount - held >= 0)
     returning id, balance into v_acc, v_bal;
    if not found then
      insert into accounts (owner_type, owner_id, asset, shard, allow_negative)
      values (e->>'owner_type', e->>'owner_id', e->>'asset', (e->>'shard')::smallint, coalesce((e->>'allow_negative')::boolean, false))
      on conflict do nothing;
      update accounts set balance = balance + v_amount,
             lifetime_earned = lifetime_earned + case when (e->>'lifetime')::boolean then v_amount else 0 end,
             updated_at = a_now
       where owner_type = e->>'owner_type' and owner_id = e->>'owner_id' and asset = e->>'asset' and shard = (e->>'shard')::smallint
         and (allow_negative or balance + v_amount - held >= 0)
       returning id, balance into v_acc, v_bal;
      if not found then perform ledger_refuse_insufficient(e->>'asset'); end if;
    end if;
    v_out := v_out || row(v_acc, e->>'asset', v_amount, coalesce((e->>'lifetime')::boolean, false), v_bal, e->>'owner_type', e->>'owner_id')::ledger_posting;
  end loop;
  return v_out;
end $fn$`;

/**
 * 1764500000000's, except that a debit of a sharded system account (the original credited a
 * campaign, the reward sink or payout clearing) draws on all its shards, as a spread posting does.
 */
const APPLY_REVERSAL_SQL = `
create or replace function ledger_apply_reversal(a_original uuid, a_now timestamptz) returns ledger_posting[] language plpgsql as $fn$
declare
  v_post record;
  v_bal bigint;
  v_out ledger_posting[] := '{}';
begin
  for v_post in
    select po.account_id, po.asset, po.amount, po.counts_lifetime, a.owner_type, a.owner_id, a.allow_negative, a.cached
      from postings po join accounts a on a.id = po.account_id
     where po.transfer_id = a_original
     order by (a.owner_type <> 'user'), a.owner_type, a.owner_id, a.asset, a.shard, po.amount
  loop
    v_bal := null;
    if v_post.cached and v_post.amount > 0 and not v_post.allow_negative and v_post.owner_type in ('campaign', 'reward_sink', 'payout_clearing') then
      v_out := v_out || ledger_debit_spread(v_post.owner_type, v_post.owner_id, v_post.asset, v_post.amount, a_now);
      continue;
    end if;
    if v_post.cached then
      update accounts set balance = balance - v_post.amount,
             lifetime_earned = lifetime_earned - case when v_post.counts_lifetime then v_post.amount else 0 end,
             updated_at = a_now
       where id = v_post.account_id and (allow_negative or balance - v_post.amount - held >= 0)
       returning balance into v_bal;
      if not found then perform ledger_refuse_insufficient(v_post.asset); end if;
    end if;
    v_out := v_out || row(v_post.account_id, v_post.asset, -v_post.amount, v_post.counts_lifetime, v_bal, v_post.owner_type, v_post.owner_id)::ledger_posting;
  end loop;
  return v_out;
end $fn$`;

/**
 * 1764500000000's ledger_execute, with the record-returning helpers called by assignment (no query
 * each). Input and errors as documented there.
 */
const LEDGER_EXECUTE_V3_SQL = `
create or replace function ledger_execute(p jsonb) returns jsonb language plpgsql as $fn$
declare
  v_transfer uuid := (p->>'transfer_id')::uuid;
  v_user uuid := nullif(p->>'user_id', '')::uuid;
  v_now timestamptz := now();
  v_replay jsonb;
  v_postings ledger_posting[] := '{}';
  v_hold record;
  v_hold_account uuid;
  v_user_side record;
  v_result jsonb;
begin
  v_replay := ledger_claim_key(p);
  if v_replay is not null then return v_replay; end if;
  if p ? 'reverses' then
    v_user := ledger_check_reversible((p->>'reverses')::uuid);
    v_postings := ledger_apply_reversal((p->>'reverses')::uuid, v_now);
  end if;
  if p ? 'postings' then
    v_postings := v_postings || ledger_apply_postings(p->'postings', v_now);
  end if;
  if p ? 'hold' then
    v_hold := ledger_apply_hold(p->'hold', v_transfer, v_user, v_now);
    v_user := v_hold.o_user;
    v_hold_account := v_hold.o_account;
    v_postings := v_postings || v_hold.o_postings;
  end if;
  perform ledger_write_journal(p, v_transfer, v_user, v_hold_account, v_postings, v_now);
  v_user_side := ledger_user_events(p, v_transfer, v_user, v_postings, v_now);
  if jsonb_array_length(coalesce(p->'events', '[]'::jsonb)) > 0 then
    perform ledger_extra_events(p, v_user, v_now, v_user_side.o_events);
  end if;
  v_result := jsonb_build_object('replayed', false, 'status', 201, 'transfer_id', v_transfer, 'user_id', v_user, 'wallet_id', v_user_side.o_wallet_id,
    'kind', p->>'kind', 'created_at', to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'money_change', v_user_side.o_money, 'points_change', v_user_side.o_points, 'hold_id', (p->'hold'->>'id')::uuid,
    'balance', coalesce(v_user_side.o_balance, 0), 'held', coalesce(v_user_side.o_held, 0), 'points', coalesce(v_user_side.o_points_balance, 0),
    'lifetime_points', coalesce(v_user_side.o_lifetime, 0), 'tier_changed', v_user_side.o_tier_changed, 'new_tier', v_user_side.o_new_tier,
    'postings', (select coalesce(jsonb_agg(jsonb_build_object('account_id', x.account_id, 'owner_type', x.owner_type, 'owner_id', x.owner_id,
                   'asset', x.asset, 'amount', x.amount, 'balance_after', x.balance_after)), '[]'::jsonb) from unnest(v_postings) as x))
    || coalesce(p->'response', '{}'::jsonb);
  perform ledger_store_result(p, v_result);
  return v_result;
end
$fn$`;
