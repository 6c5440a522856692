import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry ledger (DESIGN.md §2): accounts with cached balances, an immutable journal of
 * transfers and their postings, holds, idempotency keys. Invariants the database itself enforces:
 * postings of a transfer sum to zero per asset; transfers and postings are never updated or
 * deleted; a balance can't go below zero (or below what is held) unless the account allows it;
 * a transfer is reversed at most once. Never edit once merged.
 */
export class Ledger1764000001000 implements MigrationInterface {
  name = 'Ledger1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table accounts (
        id uuid primary key default gen_random_uuid(),
        owner_type text not null check (owner_type in ('user', 'platform', 'campaign', 'reward_sink', 'payout_clearing')),
        owner_id text not null,
        asset text not null check (asset in ('ZAR', 'POINTS')),
        shard smallint not null default 0 check (shard >= 0),
        allow_negative boolean not null default false,
        -- The platform's funding account pays every earning: caching its balance would make one row
        -- every earn waits on. Its balance is the sum of its postings (it may go negative anyway).
        cached boolean not null default true,
        balance bigint not null default 0,
        held bigint not null default 0,
        lifetime_earned bigint not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (owner_type, owner_id, asset, shard),
        constraint balance_not_negative check (allow_negative or balance >= 0),
        constraint uncached_only_when_negative_allowed check (cached or (allow_negative and balance = 0 and held = 0)),
        constraint held_within_balance check (held >= 0 and (allow_negative or held <= balance)),
        constraint balance_in_range check (balance between -9007199254740991 and 9007199254740991),
        constraint lifetime_in_range check (lifetime_earned between -9007199254740991 and 9007199254740991)
      )`);
    await q.query(`
      create table transfers (
        id uuid primary key,
        kind text not null check (kind in ('earn', 'spend', 'collection', 'redeem', 'donate', 'transfer',
          'withdraw_hold', 'withdraw_post', 'withdraw_void', 'expire', 'adjust', 'reverse')),
        user_id uuid,
        description text not null,
        reference text,
        metadata jsonb not null default '{}'::jsonb,
        reverses_transfer_id uuid unique references transfers (id),
        hold_id uuid,
        client_id text not null,
        created_at timestamptz not null default now()
      )`);
    await q.query('create index transfers_user_idx on transfers (user_id, id desc) where user_id is not null');
    await q.query(`create unique index transfers_collection_once on transfers (reference) where kind = 'collection'`);
    await q.query(`
      create table postings (
        id bigserial primary key,
        transfer_id uuid not null references transfers (id),
        account_id uuid not null references accounts (id),
        asset text not null,
        amount bigint not null check (amount <> 0),
        counts_lifetime boolean not null default false,
        balance_after bigint,
        created_at timestamptz not null default now()
      )`);
    await q.query('create index postings_account_idx on postings (account_id, id)');
    await q.query('create index postings_transfer_idx on postings (transfer_id)');
    await q.query(`
      create table holds (
        id uuid primary key,
        account_id uuid not null references accounts (id),
        amount bigint not null check (amount > 0),
        status text not null check (status in ('pending', 'posted', 'voided')),
        created_transfer_id uuid not null references transfers (id),
        settled_transfer_id uuid references transfers (id) deferrable initially deferred,
        created_at timestamptz not null default now(),
        settled_at timestamptz
      )`);
    await q.query(`create index holds_pending_idx on holds (account_id) where status = 'pending'`);
    await q.query(`
      create table idempotency_keys (
        client_id text not null,
        key text not null,
        request_hash text not null,
        status_code int,
        response jsonb,
        created_at timestamptz not null default now(),
        primary key (client_id, key)
      )`);
    // The journal is append-only: corrections are reverse transfers, never edits.
    await q.query(`
      create function ledger_forbid_mutation() returns trigger language plpgsql as $$
      begin raise exception using errcode = 'WM500', message = 'ledger rows are immutable: ' || tg_table_name; end $$`);
    await q.query(`create trigger postings_immutable before update or delete on postings for each row execute function ledger_forbid_mutation()`);
    await q.query(`create trigger transfers_immutable before update or delete on transfers for each row execute function ledger_forbid_mutation()`);
    // Every transfer's postings sum to zero per asset (all postings of a transfer go in one statement).
    await q.query(`
      create function ledger_check_zero_sum() returns trigger language plpgsql as $$
      declare bad record;
      begin
        select transfer_id, asset, sum(amount) as total into bad from new_postings group by transfer_id, asset having sum(amount) <> 0 limit 1;
        if found then
          raise exception using errcode = 'WM500', message = format('postings of transfer %s do not sum to zero for %s (%s)', bad.transfer_id, bad.asset, bad.total);
        end if;
        return null;
      end $$`);
    await q.query(`create trigger postings_zero_sum after insert on postings referencing new table as new_postings for each statement execute function ledger_check_zero_sum()`);

    await q.query(`
      create table tiers (
        code text primary key,
        name text not null,
        min_lifetime_points bigint not null unique check (min_lifetime_points >= 0),
        multiplier_bp int not null check (multiplier_bp between 0 and 100000),
        updated_at timestamptz not null default now()
      )`);
    await q.query(`insert into tiers (code, name, min_lifetime_points, multiplier_bp) values
      ('bronze', 'Bronze', 0, 10000), ('silver', 'Silver', 500, 11000), ('gold', 'Gold', 1500, 12500), ('platinum', 'Platinum', 3000, 15000)`);
    await q.query(`
      create table materials (
        code text primary key,
        name text not null,
        co2_g_per_kg bigint not null check (co2_g_per_kg >= 0),
        water_ml_per_kg bigint not null check (water_ml_per_kg >= 0)
      )`);
    await q.query(`
      create table rate_cards (
        version int primary key,
        effective_from timestamptz not null unique,
        created_by text,
        created_at timestamptz not null default now()
      )`);
    await q.query(`
      create table rate_card_lines (
        version int not null references rate_cards (version),
        material text not null references materials (code),
        name text not null,
        cents_per_kg bigint not null check (cents_per_kg between 0 and 100000000),
        points_per_kg bigint not null check (points_per_kg between 0 and 100000000),
        fund_share_bp int not null check (fund_share_bp between 0 and 10000),
        primary key (version, material)
      )`);
    await q.query(`insert into materials (code, name, co2_g_per_kg, water_ml_per_kg) values
      ('PET', 'PET bottles', 1700, 30000), ('ALU_CANS', 'Aluminium cans', 9100, 140000), ('GLASS', 'Glass', 800, 20000),
      ('PAPER', 'Paper', 900, 15000), ('CARDBOARD', 'Cardboard', 900, 15000), ('HDPE', 'HDPE plastic', 500, 10000),
      ('LDPE', 'LDPE plastic', 500, 10000), ('PP', 'PP plastic', 500, 10000), ('STEEL_CANS', 'Steel cans', 500, 10000),
      ('MIXED_METALS', 'Mixed metals', 500, 10000), ('E_WASTE', 'E-waste', 500, 10000), ('BATTERIES', 'Batteries', 500, 10000)`);
    await q.query(`insert into rate_cards (version, effective_from, created_by) values (1, '2020-01-01T00:00:00Z', 'migration')`);
    await q.query(`insert into rate_card_lines (version, material, name, cents_per_kg, points_per_kg, fund_share_bp)
      select 1, code, name, c, 10, f from (values ('PET', 150, 10000), ('ALU_CANS', 1855, 0), ('GLASS', 120, 0), ('PAPER', 80, 0),
        ('CARDBOARD', 60, 0), ('HDPE', 200, 0), ('LDPE', 180, 0), ('PP', 220, 0), ('STEEL_CANS', 250, 0), ('MIXED_METALS', 500, 0),
        ('E_WASTE', 2500, 0), ('BATTERIES', 3500, 0)) v(m, c, f) join materials on materials.code = v.m`);
    await q.query(`
      create table collections (
        id uuid primary key,
        user_id uuid not null,
        collector_id uuid,
        collected_at timestamptz not null,
        rate_card_version int not null references rate_cards (version),
        transfer_id uuid not null unique references transfers (id),
        total_grams bigint not null,
        points bigint not null,
        amount bigint not null,
        fund_amount bigint not null,
        lines jsonb not null,
        created_at timestamptz not null default now()
      )`);
    await q.query('create index collections_user_idx on collections (user_id, collected_at desc)');
    await q.query(LEDGER_OUTBOX_SQL);
    await q.query(LEDGER_EXECUTE_SQL);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const stmt of [
      'drop function if exists ledger_execute(jsonb)', 'drop function if exists ledger_outbox(jsonb, int, text, uuid, timestamptz, jsonb)', 'drop table if exists collections', 'drop table if exists rate_card_lines',
      'drop table if exists rate_cards', 'drop table if exists materials', 'drop table if exists tiers',
      'drop table if exists idempotency_keys', 'drop table if exists holds', 'drop table if exists postings',
      'drop table if exists transfers', 'drop table if exists accounts',
      'drop function if exists ledger_check_zero_sum()', 'drop function if exists ledger_forbid_mutation()',
    ]) await q.query(stmt);
  }
}

/** One outbox row for ledger_execute: the event envelope of DESIGN.md §3 around `data`. */
export const LEDGER_OUTBOX_SQL = `
create function ledger_outbox(p jsonb, idx int, type text, subject uuid, at timestamptz, data jsonb) returns void language sql as $fn$
  insert into outbox (id, topic, key, type, payload) values ((p->'event_ids'->>idx)::uuid, p->>'topic', subject::text, type,
    jsonb_build_object('id', p->'event_ids'->>idx, 'type', type, 'version', 1, 'source', p->>'source',
      'occurred_at', to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'subject', subject,
      'correlation_id', p->>'correlation_id', 'data', data))
$fn$`;

/**
 * One round trip per ledger write (DESIGN.md §7). Input (built by LedgerRepository):
 * { client, key, hash, transfer_id, kind, user_id, description, reference, metadata, correlation_id,
 *   topic, source, event_ids: uuid[], events: [{type, data}] (extra events, e.g. collection_recorded),
 *   postings: [{owner_type, owner_id, asset, shard, allow_negative, uncached, amount, lifetime}],
 *   reverses: uuid, collection: {...}, hold: {op: 'create'|'post'|'void', id, amount, clearing_shard}, response: jsonb }
 * Errors are raised with SQLSTATE WM404 / WM409 / WM422 and the problem code as message.
 */
export const LEDGER_EXECUTE_SQL = `
create function ledger_execute(p jsonb) returns jsonb language plpgsql as $fn$
declare
  v_client text := p->>'client';
  v_key text := p->>'key';
  v_transfer uuid := (p->>'transfer_id')::uuid;
  v_kind text := p->>'kind';
  v_user uuid := nullif(p->>'user_id', '')::uuid;
  v_existing record;
  v_hold record;
  v_orig record;
  v_post record;
  v_acc uuid;
  v_bal bigint;
  v_acc_ids uuid[] := '{}';
  v_assets text[] := '{}';
  v_amounts bigint[] := '{}';
  v_life boolean[] := '{}';
  v_after bigint[] := '{}';
  v_i int;
  v_hold_id uuid;
  v_user_zar uuid;
  v_user_points uuid;
  v_money bigint := 0;
  v_points bigint := 0;
  v_new_balance bigint;
  v_new_points bigint;
  v_held bigint;
  v_lifetime_before bigint;
  v_lifetime_after bigint;
  v_tier_before text;
  v_tier_after text;
  v_event_idx int := 0;
  v_event jsonb;
  v_now timestamptz := now();
  v_result jsonb;
begin
  -- 1. Idempotency: the key row is inserted first; a concurrent request with the same key waits on it.
  if v_key is not null then
    insert into idempotency_keys (client_id, key, request_hash) values (v_client, v_key, p->>'hash') on conflict do nothing;
    if not found then
      select request_hash, status_code, response into v_existing from idempotency_keys where client_id = v_client and key = v_key;
      if v_existing.request_hash <> p->>'hash' then
        raise exception using errcode = 'WM409', message = 'idempotency_key_reused';
      end if;
      return jsonb_build_object('replayed', true, 'status', v_existing.status_code, 'body', v_existing.response);
    end if;
  end if;

  -- 2. Reversal: the original's postings negated, at most once (unique reverses_transfer_id).
  if p ? 'reverses' then
    select id, kind, user_id into v_orig from transfers where id = (p->>'reverses')::uuid;
    if not found then raise exception using errcode = 'WM404', message = 'transfer_not_found'; end if;
    if v_orig.kind in ('withdraw_hold', 'withdraw_post', 'withdraw_void', 'reverse') then
      raise exception using errcode = 'WM422', message = 'transfer_not_reversible';
    end if;
    if exists (select 1 from transfers where reverses_transfer_id = v_orig.id) then
      raise exception using errcode = 'WM409', message = 'transfer_already_reversed';
    end if;
    v_user := v_orig.user_id;
    for v_post in
      select po.account_id, po.asset, po.amount, po.counts_lifetime, a.owner_type, a.allow_negative, a.cached
        from postings po join accounts a on a.id = po.account_id
       where po.transfer_id = v_orig.id
       order by (a.owner_type <> 'user'), a.owner_type, a.owner_id, a.asset, a.shard
    loop
      if v_post.cached then
        update accounts set balance = balance - v_post.amount,
               lifetime_earned = lifetime_earned - case when v_post.counts_lifetime then v_post.amount else 0 end,
               updated_at = v_now
         where id = v_post.account_id and (allow_negative or balance - v_post.amount - held >= 0)
         returning balance into v_bal;
        if not found then
          raise exception using errcode = 'WM422', message = case when v_post.asset = 'POINTS' then 'insufficient_points' else 'insufficient_funds' end;
        end if;
      else
        v_bal := null;
      end if;
      v_acc_ids := v_acc_ids || v_post.account_id; v_assets := v_assets || v_post.asset; v_amounts := v_amounts || (-v_post.amount);
      v_life := v_life || v_post.counts_lifetime; v_after := v_after || v_bal;
    end loop;
  end if;

  -- 3. Explicit postings, already sorted by the caller (users first, then system accounts) so locks are
  --    always taken in the same order. The conditional update is what stops an overdraft.
  for v_i in 0 .. coalesce(jsonb_array_length(p->'postings'), 0) - 1 loop
    v_event := p->'postings'->v_i;
    if coalesce((v_event->>'uncached')::boolean, false) then
      -- No balance to keep, so no row lock: only the account's id for the posting.
      select id into v_acc from accounts
       where owner_type = v_event->>'owner_type' and owner_id = v_event->>'owner_id' and asset = v_event->>'asset' and shard = (v_event->>'shard')::smallint;
      if not found then
        insert into accounts (owner_type, owner_id, asset, shard, allow_negative, cached)
        values (v_event->>'owner_type', v_event->>'owner_id', v_event->>'asset', (v_event->>'shard')::smallint, true, false)
        on conflict do nothing;
        select id into v_acc from accounts
         where owner_type = v_event->>'owner_type' and owner_id = v_event->>'owner_id' and asset = v_event->>'asset' and shard = (v_event->>'shard')::smallint;
      end if;
      v_acc_ids := v_acc_ids || v_acc; v_assets := v_assets || (v_event->>'asset'); v_amounts := v_amounts || (v_event->>'amount')::bigint;
      v_life := v_life || false; v_after := v_after || null::bigint;
      continue;
    end if;
    update accounts set balance = balance + (v_event->>'amount')::bigint,
           lifetime_earned = lifetime_earned + case when (v_event->>'lifetime')::boolean then (v_event->>'amount')::bigint else 0 end,
           updated_at = v_now
     where owner_type = v_event->>'owner_type' and owner_id = v_event->>'owner_id' and asset = v_event->>'asset'
       and shard = (v_event->>'shard')::smallint
       and (allow_negative or balance + (v_event->>'amount')::bigint - held >= 0)
     returning id, balance into v_acc, v_bal;
    if not found then
      insert into accounts (owner_type, owner_id, asset, shard, allow_negative)
      values (v_event->>'owner_type', v_event->>'owner_id', v_event->>'asset', (v_event->>'shard')::smallint, coalesce((v_event->>'allow_negative')::boolean, false))
      on conflict do nothing;
      update accounts set balance = balance + (v_event->>'amount')::bigint,
             lifetime_earned = lifetime_earned + case when (v_event->>'lifetime')::boolean then (v_event->>'amount')::bigint else 0 end,
             updated_at = v_now
       where owner_type = v_event->>'owner_type' and owner_id = v_event->>'owner_id' and asset = v_event->>'asset'
         and shard = (v_event->>'shard')::smallint
         and (allow_negative or balance + (v_event->>'amount')::bigint - held >= 0)
       returning id, balance into v_acc, v_bal;
      if not found then
        raise exception using errcode = 'WM422', message = case when v_event->>'asset' = 'POINTS' then 'insufficient_points' else 'insufficient_funds' end;
      end if;
    end if;
    v_acc_ids := v_acc_ids || v_acc; v_assets := v_assets || (v_event->>'asset'); v_amounts := v_amounts || (v_event->>'amount')::bigint;
    v_life := v_life || coalesce((v_event->>'lifetime')::boolean, false); v_after := v_after || v_bal;
  end loop;

  -- 4. Holds: money promised but not yet paid. available = balance - held.
  if p ? 'hold' then
    v_hold_id := (p->'hold'->>'id')::uuid;
    if p->'hold'->>'op' = 'create' then
      update accounts set held = held + (p->'hold'->>'amount')::bigint, updated_at = v_now
       where owner_type = 'user' and owner_id = v_user::text and asset = 'ZAR' and shard = 0
         and balance - held >= (p->'hold'->>'amount')::bigint
       returning id into v_acc;
      if not found then raise exception using errcode = 'WM422', message = 'insufficient_funds'; end if;
    else
      update holds set status = case when p->'hold'->>'op' = 'post' then 'posted' else 'voided' end,
             settled_transfer_id = v_transfer, settled_at = v_now
       where id = v_hold_id and status = 'pending'
       returning account_id, amount into v_hold;
      if not found then
        if exists (select 1 from holds where id = v_hold_id) then
          raise exception using errcode = 'WM409', message = 'hold_not_pending';
        end if;
        raise exception using errcode = 'WM404', message = 'hold_not_found';
      end if;
      select owner_id::uuid into v_user from accounts where id = v_hold.account_id;
      if p->'hold'->>'op' = 'post' then
        update accounts set held = held - v_hold.amount, balance = balance - v_hold.amount, updated_at = v_now
         where id = v_hold.account_id returning balance into v_bal;
        v_acc_ids := v_acc_ids || v_hold.account_id; v_assets := v_assets || 'ZAR'::text; v_amounts := v_amounts || (-v_hold.amount);
        v_life := v_life || false; v_after := v_after || v_bal;
        insert into accounts (owner_type, owner_id, asset, shard, allow_negative)
        values ('payout_clearing', 'payouts', 'ZAR', coalesce((p->'hold'->>'clearing_shard')::smallint, 0), false) on conflict do nothing;
        update accounts set balance = balance + v_hold.amount, updated_at = v_now
         where owner_type = 'payout_clearing' and owner_id = 'payouts' and asset = 'ZAR' and shard = coalesce((p->'hold'->>'clearing_shard')::smallint, 0)
         returning id, balance into v_acc, v_bal;
        v_acc_ids := v_acc_ids || v_acc; v_assets := v_assets || 'ZAR'::text; v_amounts := v_amounts || v_hold.amount;
        v_life := v_life || false; v_after := v_after || v_bal;
      else
        update accounts set held = held - v_hold.amount, updated_at = v_now where id = v_hold.account_id;
      end if;
    end if;
  end if;

  -- 5. The journal: the transfer and its postings (zero-sum per asset, checked by trigger).
  insert into transfers (id, kind, user_id, description, reference, metadata, reverses_transfer_id, hold_id, client_id, created_at)
  values (v_transfer, v_kind, v_user, p->>'description', p->>'reference', coalesce(p->'metadata', '{}'::jsonb),
          (p->>'reverses')::uuid, v_hold_id, coalesce(v_client, 'internal'), v_now);
  if array_length(v_acc_ids, 1) > 0 then
    insert into postings (transfer_id, account_id, asset, amount, counts_lifetime, balance_after, created_at)
    select v_transfer, a, s, m, l, b, v_now from unnest(v_acc_ids, v_assets, v_amounts, v_life, v_after) as u(a, s, m, l, b);
  end if;
  if p ? 'collection' then
    insert into collections (id, user_id, collector_id, collected_at, rate_card_version, transfer_id, total_grams, points, amount, fund_amount, lines, created_at)
    values ((p->'collection'->>'id')::uuid, v_user, nullif(p->'collection'->>'collector_id', '')::uuid, (p->'collection'->>'collected_at')::timestamptz,
            (p->'collection'->>'rate_card_version')::int, v_transfer, (p->'collection'->>'total_grams')::bigint, (p->'collection'->>'points')::bigint,
            (p->'collection'->>'amount')::bigint, (p->'collection'->>'fund_amount')::bigint, p->'collection'->'lines', v_now);
  end if;
  if p ? 'hold' and p->'hold'->>'op' = 'create' then
    insert into holds (id, account_id, amount, status, created_transfer_id, created_at)
    values (v_hold_id, v_acc, (p->'hold'->>'amount')::bigint, 'pending', v_transfer, v_now);
  end if;

  -- 6. Events about the user, written in the same transaction (outbox).
  if v_user is not null then
    select id, balance, held into v_user_zar, v_new_balance, v_held from accounts
     where owner_type = 'user' and owner_id = v_user::text and asset = 'ZAR' and shard = 0;
    select id, balance, lifetime_earned into v_user_points, v_new_points, v_lifetime_after from accounts
     where owner_type = 'user' and owner_id = v_user::text and asset = 'POINTS' and shard = 0;
    for v_i in 1 .. coalesce(array_length(v_acc_ids, 1), 0) loop
      if v_acc_ids[v_i] = v_user_zar then v_money := v_money + v_amounts[v_i]; end if;
      if v_acc_ids[v_i] = v_user_points then
        v_points := v_points + v_amounts[v_i];
        if v_life[v_i] then v_lifetime_before := coalesce(v_lifetime_before, v_lifetime_after) - v_amounts[v_i]; end if;
      end if;
    end loop;
    if v_money <> 0 or v_points <> 0 or p ? 'hold' then
      v_event_idx := v_event_idx + 1;
      perform ledger_outbox(p, v_event_idx - 1, 'wallet_update', v_user, v_now,
        jsonb_build_object('user_id', v_user, 'wallet_id', v_user_zar, 'transfer_id', v_transfer, 'kind', v_kind, 'currency', 'ZAR',
          'balance_change', v_money, 'points_change', v_points, 'description', p->>'description',
          'new_balance', coalesce(v_new_balance, 0), 'new_points', coalesce(v_new_points, 0), 'held', coalesce(v_held, 0)));
    end if;
    if v_points <> 0 then
      v_event_idx := v_event_idx + 1;
      perform ledger_outbox(p, v_event_idx - 1, 'points_update', v_user, v_now,
        jsonb_build_object('user_id', v_user, 'transfer_id', v_transfer, 'kind', v_kind, 'points_change', v_points,
          'new_points', coalesce(v_new_points, 0), 'lifetime_points', coalesce(v_lifetime_after, 0), 'reason', p->>'description'));
    end if;
    if v_lifetime_before is not null and v_lifetime_before <> v_lifetime_after then
      select code into v_tier_before from tiers where min_lifetime_points <= v_lifetime_before order by min_lifetime_points desc limit 1;
      select code into v_tier_after from tiers where min_lifetime_points <= v_lifetime_after order by min_lifetime_points desc limit 1;
      if v_tier_before is distinct from v_tier_after then
        v_event_idx := v_event_idx + 1;
        perform ledger_outbox(p, v_event_idx - 1, 'tier_update', v_user, v_now,
          jsonb_build_object('user_id', v_user, 'previous_tier', coalesce(v_tier_before, 'none'), 'new_tier', coalesce(v_tier_after, 'none'),
            'lifetime_points', v_lifetime_after));
      end if;
    end if;
  end if;
  for v_i in 0 .. coalesce(jsonb_array_length(p->'events'), 0) - 1 loop
    v_event_idx := v_event_idx + 1;
    perform ledger_outbox(p, v_event_idx - 1, p->'events'->v_i->>'type', v_user, v_now, p->'events'->v_i->'data');
  end loop;

  -- 7. The result, stored against the idempotency key so a retry gets exactly this answer.
  v_result := jsonb_build_object('replayed', false, 'status', 201, 'transfer_id', v_transfer, 'user_id', v_user, 'wallet_id', v_user_zar, 'kind', v_kind,
    'created_at', to_char(v_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'money_change', v_money, 'points_change', v_points, 'hold_id', v_hold_id,
    'balance', coalesce(v_new_balance, 0), 'held', coalesce(v_held, 0), 'points', coalesce(v_new_points, 0),
    'lifetime_points', coalesce(v_lifetime_after, 0), 'tier_changed', v_tier_before is distinct from v_tier_after and v_lifetime_before is not null,
    'new_tier', v_tier_after, 'postings', (select coalesce(jsonb_agg(jsonb_build_object('account_id', a, 'asset', s, 'amount', m, 'balance_after', b)), '[]'::jsonb)
       from unnest(v_acc_ids, v_assets, v_amounts, v_after) as u(a, s, m, b))) || coalesce(p->'response', '{}'::jsonb);
  if v_key is not null then
    update idempotency_keys set status_code = 201, response = v_result || '{"replayed": true}'::jsonb where client_id = v_client and key = v_key;
  end if;
  return v_result;
end
$fn$`;
