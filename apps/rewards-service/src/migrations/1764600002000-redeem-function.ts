import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `reward_redeem(...)`: a redemption's idempotency key and its locked decision in ONE statement
 * (one round trip, its own transaction): the key row (with the answer sealed in advance by the
 * caller), the reward row locked when it has a per-user limit, window and tier, the
 * resident's pending and issued redemptions counted in the limit's period (a statement after the
 * lock: in a volatile function each statement takes a new snapshot, so redemptions committed while
 * it waited for the lock are counted), the unit taken by a conditional update, the redemption
 * recorded `pending` with its wallet request, and the stock movement. A refusal stores its sealed
 * answer on the key and writes nothing else; an unknown reward is `not_found` and keeps nothing (the
 * key row is deleted again: a 404 is not the key's answer). Never edit once merged.
 */
export class RedeemFunction1764600002000 implements MigrationInterface {
  name = 'RedeemFunction1764600002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create function reward_redeem(
        p_caller text, p_key_hash text, p_request_hash text, p_ok_status int, p_ok bytea,
        p_refusal_codes text[], p_refusal_status int[], p_refusal_sealed bytea[],
        p_redemption_id uuid, p_reward_id uuid, p_user_id uuid, p_actor text, p_grace_ms float8)
      returns table (o_outcome text, o_refusal text, o_wallet_request jsonb, o_holds_stock boolean,
        o_replay_request_hash text, o_replay_status int, o_replay_response bytea, o_reward rewards)
      language plpgsql as $fn$
    declare
      r rewards;
      k record;
      v_min_rank int;
      v_user_rank int;
      v_used int;
      v_stock_after int;
      v_refusal text;
      v_legs jsonb := '[]'::jsonb;
      v_wallet jsonb;
      v_i int;
    begin
      insert into idempotency_keys (caller, key_hash, request_hash, status_code, response)
        values (p_caller, p_key_hash, p_request_hash, p_ok_status, p_ok) on conflict do nothing;
      if not found then
        select request_hash, status_code, response into k from idempotency_keys where caller = p_caller and key_hash = p_key_hash;
        return query select 'replay'::text, null::text, null::jsonb, null::boolean, k.request_hash::text, k.status_code::int, k.response::bytea, null::rewards;
        return;
      end if;
      select * into r from rewards where id = p_reward_id;
      if not found then
        delete from idempotency_keys where caller = p_caller and key_hash = p_key_hash;
        return query select 'not_found'::text, null::text, null::jsonb, null::boolean, null::text, null::int, null::bytea, null::rewards;
        return;
      end if;
      -- The lock protects the per-user limit (counted after it); a stock alone needs no lock before
      -- its conditional update (which locks the row and re-checks the stock on its latest version),
      -- and a reward with neither is not locked at all (a stock or limit set meanwhile counts from then on).
      if r.per_user_limit is not null then
        select * into r from rewards where id = p_reward_id for no key update;
      end if;
      select rank into v_min_rank from tiers where code = r.min_tier;
      select t.rank into v_user_rank from user_tiers u join tiers t on t.code = u.tier where u.user_id = p_user_id;
      v_user_rank := coalesce(v_user_rank, 0);
      if not r.active or r.type = 'badge' or (r.available_from is not null and r.available_from > now())
         or (r.available_until is not null and r.available_until <= now()) then
        v_refusal := 'reward_unavailable';
      elsif v_min_rank is not null and v_user_rank < v_min_rank then
        v_refusal := 'tier_too_low';
      else
        if r.per_user_limit is not null then
          select count(*)::int into v_used from redemptions where user_id = p_user_id and reward_id = p_reward_id
            and status in ('pending', 'issued') and created_at >= reward_period_start(r.limit_period, now());
          if v_used >= r.per_user_limit then v_refusal := 'limit_reached'; end if;
        end if;
        if v_refusal is null and r.stock_total is not null then
          update rewards set stock_used = stock_used + 1 where id = p_reward_id and stock_used < stock_total returning stock_total into v_stock_after;
          if not found then v_refusal := 'out_of_stock'; end if;
        end if;
      end if;
      if v_refusal is not null then
        v_i := array_position(p_refusal_codes, v_refusal);
        update idempotency_keys set status_code = p_refusal_status[v_i], response = p_refusal_sealed[v_i] where caller = p_caller and key_hash = p_key_hash;
        return query select 'refused'::text, v_refusal, null::jsonb, null::boolean, null::text, null::int, null::bytea, r;
        return;
      end if;
      -- The ledger transfer (one): the points to the reward sink, and a cashback's money to the resident.
      if r.points_cost > 0 then
        v_legs := v_legs || jsonb_build_array(jsonb_build_object('from', jsonb_build_object('type', 'user', 'id', p_user_id), 'to', jsonb_build_object('type', 'reward_sink'), 'asset', 'POINTS', 'amount', r.points_cost));
      end if;
      if r.type = 'cashback' and r.value_cents > 0 then
        v_legs := v_legs || jsonb_build_array(jsonb_build_object('from', jsonb_build_object('type', 'platform'), 'to', jsonb_build_object('type', 'user', 'id', p_user_id), 'asset', 'ZAR', 'amount', r.value_cents));
      end if;
      if jsonb_array_length(v_legs) > 0 then
        v_wallet := jsonb_build_object('kind', 'redeem', 'description', left('Reward ' || r.code || ': ' || r.name, 500), 'reference', p_redemption_id,
          'user_id', p_user_id, 'legs', v_legs, 'metadata', jsonb_build_object('reward_id', r.id, 'reward_code', r.code, 'redemption_id', p_redemption_id));
      end if;
      insert into redemptions (id, reward_id, user_id, status, wallet_request, holds_stock, requested_by, next_attempt_at)
        values (p_redemption_id, p_reward_id, p_user_id, 'pending', v_wallet, r.stock_total is not null, p_actor, now() + make_interval(secs => p_grace_ms / 1000));
      if r.stock_total is not null then
        insert into reward_stock_movements (reward_id, delta, stock_total_after, kind, reason, redemption_id, actor)
          values (p_reward_id, -1, v_stock_after, 'redemption', 'redeemed', p_redemption_id, p_actor);
      end if;
      return query select 'taken'::text, null::text, v_wallet, r.stock_total is not null, null::text, null::int, null::bytea, r;
    end $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop function if exists reward_redeem(text, text, text, int, bytea, text[], int[], bytea[], uuid, uuid, uuid, text, float8)');
  }
}
