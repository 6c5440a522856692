import type { MigrationInterface, QueryRunner } from 'typeorm';
import { LEDGER_EXECUTE_SQL } from './1764000001000-ledger';

/**
 * `ledger_execute` split into named helpers, each one step of a ledger write. The write is still one
 * round trip (the service sends one `select ledger_execute($1)`; the helpers run inside it) and
 * behaves as before, with three additions: a refusal for too little money or points carries the
 * asset as its DETAIL, a posting in the result names its account's owner, and when one transfer
 * moves the same account both ways (multi-leg transfers) credits are applied before debits, so the
 * account is checked on its net change (the reversal of such a transfer too).
 *
 * | rule                      | where it is enforced                                                                    |
 * |---------------------------|-----------------------------------------------------------------------------------------|
 * | no overdraft              | the conditional UPDATEs `… where allow_negative or balance + delta − held >= 0` in       |
 * |                           | ledger_apply_postings, ledger_apply_reversal and ledger_apply_hold (`balance − held >=`); |
 * |                           | backstop: the accounts CHECKs balance_not_negative and held_within_balance              |
 * | zero-sum per asset        | trigger postings_zero_sum (statement level) on the one postings INSERT of                |
 * |                           | ledger_write_journal; the builders (src/ledger/postings.ts) make two postings a leg      |
 * | reversed once             | ledger_check_reversible (refuses a second reversal); backstop: UNIQUE                   |
 * |                           | transfers.reverses_transfer_id                                                          |
 * | hold settled once         | ledger_apply_hold: `update holds … where status = 'pending'` (a second post/void is 409)  |
 * | lock order (no deadlock)  | the caller sorts the postings (postings.ts sortForLocking: users first, then owner type, |
 * |                           | owner, asset, shard); ledger_apply_reversal takes the original's rows in the same order  |
 * | idempotency               | ledger_claim_key inserts the key row first (a concurrent duplicate waits on it, then     |
 * |                           | replays); ledger_store_result keeps the answer; UNIQUE transfers_collection_once         |
 * | journal is append-only    | triggers postings_immutable and transfers_immutable (1764000001000)                      |
 */
export class LedgerExecuteHelpers1764500000000 implements MigrationInterface {
  name = 'LedgerExecuteHelpers1764500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of HELPERS_SQL) await q.query(sql);
    await q.query(LEDGER_EXECUTE_V2_SQL);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(LEDGER_EXECUTE_SQL.replace('create function ledger_execute', 'create or replace function ledger_execute'));
    for (const fn of [
      'ledger_store_result(jsonb, jsonb)', 'ledger_extra_events(jsonb, uuid, timestamptz, int)', 'ledger_user_events(jsonb, uuid, uuid, ledger_posting[], timestamptz)',
      'ledger_write_journal(jsonb, uuid, uuid, uuid, ledger_posting[], timestamptz)', 'ledger_apply_hold(jsonb, uuid, uuid, timestamptz)',
      'ledger_apply_postings(jsonb, timestamptz)', 'ledger_apply_reversal(uuid, timestamptz)', 'ledger_check_reversible(uuid)',
      'ledger_claim_key(jsonb)', 'ledger_refuse_insufficient(text)',
    ]) await q.query(`drop function if exists ${fn}`);
    await q.query('drop type if exists ledger_posting');
  }
}

const HELPERS_SQL = [
  // One posting as it is written: the account, the signed amount, its balance right after (null for
  // an uncached account) and its owner (for the answer).
  `create type ledger_posting as (account_id uuid, asset text, amount bigint, lifetime boolean, balance_after bigint, owner_type text, owner_id text)`,

  `create function ledger_refuse_insufficient(a_asset text) returns void language plpgsql as $fn$
  begin
    raise exception using errcode = 'WM422', message = case when a_asset = 'POINTS' then 'insufficient_points' else 'insufficient_funds' end, detail = a_asset;
  end $fn$`,

  // Idempotency: the key row is inserted first; a concurrent request with the same key waits on it.
  // Null when the key is new (or absent); the stored answer when it was seen with the same request.
  `create function ledger_claim_key(p jsonb) returns jsonb language plpgsql as $fn$
  declare
    v_existing record;
  begin
    if p->>'key' is null then return null; end if;
    insert into idempotency_keys (client_id, key, request_hash) values (p->>'client', p->>'key', p->>'hash') on conflict do nothing;
    if found then return null; end if;
    select request_hash, status_code, response into v_existing from idempotency_keys where client_id = p->>'client' and key = p->>'key';
    if v_existing.request_hash <> p->>'hash' then
      raise exception using errcode = 'WM409', message = 'idempotency_key_reused';
    end if;
    return jsonb_build_object('replayed', true, 'status', v_existing.status_code, 'body', v_existing.response);
  end $fn$`,

  // A transfer may be reversed once, and never a withdrawal step or a reversal. Returns its user.
  `create function ledger_check_reversible(a_original uuid) returns uuid language plpgsql as $fn$
  declare
    v_orig record;
  begin
    select id, kind, user_id into v_orig from transfers where id = a_original;
    if not found then raise exception using errcode = 'WM404', message = 'transfer_not_found'; end if;
    if v_orig.kind in ('withdraw_hold', 'withdraw_post', 'withdraw_void', 'reverse') then
      raise exception using errcode = 'WM422', message = 'transfer_not_reversible';
    end if;
    if exists (select 1 from transfers where reverses_transfer_id = v_orig.id) then
      raise exception using errcode = 'WM409', message = 'transfer_already_reversed';
    end if;
    return v_orig.user_id;
  end $fn$`,

  // The original's postings negated, in the global lock order (credits first within an account).
  `create function ledger_apply_reversal(a_original uuid, a_now timestamptz) returns ledger_posting[] language plpgsql as $fn$
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
  end $fn$`,

  // The caller's postings, already in lock order. The conditional update is what stops an overdraft;
  // an account is created on its first posting.
  `create function ledger_apply_postings(a_postings jsonb, a_now timestamptz) returns ledger_posting[] language plpgsql as $fn$
  declare
    e jsonb;
    v_acc uuid;
    v_bal bigint;
    v_amount bigint;
    v_out ledger_posting[] := '{}';
  begin
    for e in select value from jsonb_array_elements(coalesce(a_postings, '[]'::jsonb)) loop
      v_amount := (e->>'amount')::bigint;
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
  end $fn$`,

  // Holds: money promised but not yet paid (available = balance - held). Create holds the user's
  // money; post pays it to payout clearing; void releases it. A hold is settled once.
  `create function ledger_apply_hold(h jsonb, a_transfer uuid, a_user uuid, a_now timestamptz,
      out o_user uuid, out o_account uuid, out o_postings ledger_posting[]) language plpgsql as $fn$
  declare
    v_hold record;
    v_bal bigint;
    v_acc uuid;
    v_shard smallint := coalesce((h->>'clearing_shard')::smallint, 0);
  begin
    o_user := a_user;
    o_postings := '{}';
    if h->>'op' = 'create' then
      update accounts set held = held + (h->>'amount')::bigint, updated_at = a_now
       where owner_type = 'user' and owner_id = a_user::text and asset = 'ZAR' and shard = 0
         and balance - held >= (h->>'amount')::bigint
       returning id into o_account;
      if not found then perform ledger_refuse_insufficient('ZAR'); end if;
      return;
    end if;
    update holds set status = case when h->>'op' = 'post' then 'posted' else 'voided' end,
           settled_transfer_id = a_transfer, settled_at = a_now
     where id = (h->>'id')::uuid and status = 'pending'
     returning account_id, amount into v_hold;
    if not found then
      if exists (select 1 from holds where id = (h->>'id')::uuid) then
        raise exception using errcode = 'WM409', message = 'hold_not_pending';
      end if;
      raise exception using errcode = 'WM404', message = 'hold_not_found';
    end if;
    select owner_id::uuid into o_user from accounts where id = v_hold.account_id;
    if h->>'op' = 'post' then
      update accounts set held = held - v_hold.amount, balance = balance - v_hold.amount, updated_at = a_now
       where id = v_hold.account_id returning balance into v_bal;
      o_postings := o_postings || row(v_hold.account_id, 'ZAR', -v_hold.amount, false, v_bal, 'user', o_user::text)::ledger_posting;
      insert into accounts (owner_type, owner_id, asset, shard, allow_negative)
      values ('payout_clearing', 'payouts', 'ZAR', v_shard, false) on conflict do nothing;
      update accounts set balance = balance + v_hold.amount, updated_at = a_now
       where owner_type = 'payout_clearing' and owner_id = 'payouts' and asset = 'ZAR' and shard = v_shard
       returning id, balance into v_acc, v_bal;
      o_postings := o_postings || row(v_acc, 'ZAR', v_hold.amount, false, v_bal, 'payout_clearing', 'payouts')::ledger_posting;
    else
      update accounts set held = held - v_hold.amount, updated_at = a_now where id = v_hold.account_id;
    end if;
  end $fn$`,

  // The journal: the transfer, its postings in one statement (the zero-sum trigger checks them), and
  // the rows that belong to it (a collection, a new hold).
  `create function ledger_write_journal(p jsonb, a_transfer uuid, a_user uuid, a_hold_account uuid, a_postings ledger_posting[], a_now timestamptz)
      returns void language plpgsql as $fn$
  begin
    insert into transfers (id, kind, user_id, description, reference, metadata, reverses_transfer_id, hold_id, client_id, created_at)
    values (a_transfer, p->>'kind', a_user, p->>'description', p->>'reference', coalesce(p->'metadata', '{}'::jsonb),
            (p->>'reverses')::uuid, (p->'hold'->>'id')::uuid, coalesce(p->>'client', 'internal'), a_now);
    if cardinality(a_postings) > 0 then
      insert into postings (transfer_id, account_id, asset, amount, counts_lifetime, balance_after, created_at)
      select a_transfer, x.account_id, x.asset, x.amount, x.lifetime, x.balance_after, a_now from unnest(a_postings) as x;
    end if;
    if p ? 'collection' then
      insert into collections (id, user_id, collector_id, collected_at, rate_card_version, transfer_id, total_grams, points, amount, fund_amount, lines, created_at)
      values ((p->'collection'->>'id')::uuid, a_user, nullif(p->'collection'->>'collector_id', '')::uuid, (p->'collection'->>'collected_at')::timestamptz,
              (p->'collection'->>'rate_card_version')::int, a_transfer, (p->'collection'->>'total_grams')::bigint, (p->'collection'->>'points')::bigint,
              (p->'collection'->>'amount')::bigint, (p->'collection'->>'fund_amount')::bigint, p->'collection'->'lines', a_now);
    end if;
    if p->'hold'->>'op' = 'create' then
      insert into holds (id, account_id, amount, status, created_transfer_id, created_at)
      values ((p->'hold'->>'id')::uuid, a_hold_account, (p->'hold'->>'amount')::bigint, 'pending', a_transfer, a_now);
    end if;
  end $fn$`,

  // The user's net change (over every posting on their money and points accounts), their balances
  // after it, and the events about them in the outbox: wallet_update, points_update, tier_update.
  `create function ledger_user_events(p jsonb, a_transfer uuid, a_user uuid, a_postings ledger_posting[], a_now timestamptz,
      out o_wallet_id uuid, out o_money bigint, out o_points bigint, out o_balance bigint, out o_held bigint, out o_points_balance bigint,
      out o_lifetime bigint, out o_tier_changed boolean, out o_new_tier text, out o_events int) language plpgsql as $fn$
  declare
    v_points_acc uuid;
    v_lifetime_before bigint;
    v_tier_before text;
    x ledger_posting;
  begin
    o_money := 0; o_points := 0; o_events := 0; o_tier_changed := false;
    if a_user is null then return; end if;
    select id, balance, held into o_wallet_id, o_balance, o_held from accounts
     where owner_type = 'user' and owner_id = a_user::text and asset = 'ZAR' and shard = 0;
    select id, balance, lifetime_earned into v_points_acc, o_points_balance, o_lifetime from accounts
     where owner_type = 'user' and owner_id = a_user::text and asset = 'POINTS' and shard = 0;
    foreach x in array a_postings loop
      if x.account_id = o_wallet_id then o_money := o_money + x.amount; end if;
      if x.account_id = v_points_acc then
        o_points := o_points + x.amount;
        if x.lifetime then v_lifetime_before := coalesce(v_lifetime_before, o_lifetime) - x.amount; end if;
      end if;
    end loop;
    if o_money <> 0 or o_points <> 0 or p ? 'hold' then
      perform ledger_outbox(p, o_events, 'wallet_update', a_user, a_now,
        jsonb_build_object('user_id', a_user, 'wallet_id', o_wallet_id, 'transfer_id', a_transfer, 'kind', p->>'kind', 'currency', 'ZAR',
          'balance_change', o_money, 'points_change', o_points, 'description', p->>'description',
          'new_balance', coalesce(o_balance, 0), 'new_points', coalesce(o_points_balance, 0), 'held', coalesce(o_held, 0)));
      o_events := o_events + 1;
    end if;
    if o_points <> 0 then
      perform ledger_outbox(p, o_events, 'points_update', a_user, a_now,
        jsonb_build_object('user_id', a_user, 'transfer_id', a_transfer, 'kind', p->>'kind', 'points_change', o_points,
          'new_points', coalesce(o_points_balance, 0), 'lifetime_points', coalesce(o_lifetime, 0), 'reason', p->>'description'));
      o_events := o_events + 1;
    end if;
    if v_lifetime_before is not null and v_lifetime_before <> o_lifetime then
      select code into v_tier_before from tiers where min_lifetime_points <= v_lifetime_before order by min_lifetime_points desc limit 1;
      select code into o_new_tier from tiers where min_lifetime_points <= o_lifetime order by min_lifetime_points desc limit 1;
      if v_tier_before is distinct from o_new_tier then
        o_tier_changed := true;
        perform ledger_outbox(p, o_events, 'tier_update', a_user, a_now,
          jsonb_build_object('user_id', a_user, 'previous_tier', coalesce(v_tier_before, 'none'), 'new_tier', coalesce(o_new_tier, 'none'),
            'lifetime_points', o_lifetime));
        o_events := o_events + 1;
      end if;
    end if;
  end $fn$`,

  // Events the caller adds (e.g. collection_recorded), after the user's own.
  `create function ledger_extra_events(p jsonb, a_user uuid, a_now timestamptz, a_first int) returns void language plpgsql as $fn$
  declare
    v_i int;
  begin
    for v_i in 0 .. coalesce(jsonb_array_length(p->'events'), 0) - 1 loop
      perform ledger_outbox(p, a_first + v_i, p->'events'->v_i->>'type', a_user, a_now, p->'events'->v_i->'data');
    end loop;
  end $fn$`,

  // The answer, stored against the idempotency key so a retry gets exactly this answer.
  `create function ledger_store_result(p jsonb, a_result jsonb) returns void language sql as $fn$
    update idempotency_keys set status_code = 201, response = a_result || '{"replayed": true}'::jsonb
     where p->>'key' is not null and client_id = p->>'client' and key = p->>'key'
  $fn$`,
];

/**
 * One round trip per ledger write (DESIGN.md §7). Input (built by LedgerRepository.execute):
 * { client, key, hash, transfer_id, kind, user_id, description, reference, metadata, correlation_id,
 *   topic, source, event_ids: uuid[], events: [{type, data}] (extra events, e.g. collection_recorded),
 *   postings: [{owner_type, owner_id, asset, shard, allow_negative, uncached, amount, lifetime}],
 *   reverses: uuid, collection: {...}, hold: {op: 'create'|'post'|'void', id, amount, clearing_shard}, response: jsonb }
 * Errors are raised with SQLSTATE WM404 / WM409 / WM422 and the problem code as message.
 */
const LEDGER_EXECUTE_V2_SQL = `
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
    select * into v_hold from ledger_apply_hold(p->'hold', v_transfer, v_user, v_now);
    v_user := v_hold.o_user;
    v_hold_account := v_hold.o_account;
    v_postings := v_postings || v_hold.o_postings;
  end if;
  perform ledger_write_journal(p, v_transfer, v_user, v_hold_account, v_postings, v_now);
  select * into v_user_side from ledger_user_events(p, v_transfer, v_user, v_postings, v_now);
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
