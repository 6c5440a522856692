import { Injectable } from '@nestjs/common';
import { DomainException, type TokenPrincipal } from '@wozamali/platform';
import { TransactionRunner } from '@wozamali/messaging';
import type { EntityManager } from 'typeorm';
import { actorOf, userIdOf } from '../domain/principal';
import { ineligibility, type Ineligibility, type RewardRow } from '../domain/reward';
import type { CreateRewardDto, ListRewardsQuery, UpdateRewardDto } from '../dtos/reward.dto';
import { RewardException } from '../errors/reward.exception';
import { RewardRepository, type RewardColumns } from '../repositories/reward.repository';

/** A reward as the API shows it. */
export interface RewardView {
  id: string;
  code: string;
  name: string;
  description: string;
  type: string;
  points_cost: number;
  value: number;
  currency: string;
  stock: number | null;
  stock_remaining: number | null;
  per_user_limit: number | null;
  limit_period: string;
  min_tier: string | null;
  visible_from: string | null;
  visible_until: string | null;
  available_from: string | null;
  available_until: string | null;
  valid_days: number | null;
  refundable_on_cancel: boolean;
  partner_service_id: string | null;
  partner_reward_id: string | null;
  code_prefix: string | null;
  active: boolean;
  created_at: string;
  updated_at: string;
  /** For a signed-in resident: whether they may redeem it now, and why not (points are decided by the wallet). */
  eligibility?: { eligible: boolean; reason: Ineligibility | null };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function rewardView(r: RewardRow): RewardView {
  return {
    id: r.id, code: r.code, name: r.name, description: r.description, type: r.type, points_cost: r.points_cost, value: Number(r.value_cents),
    currency: r.currency, stock: r.stock_total, stock_remaining: r.stock_total === null ? null : r.stock_total - r.stock_used,
    per_user_limit: r.per_user_limit, limit_period: r.limit_period, min_tier: r.min_tier, visible_from: iso(r.visible_from),
    visible_until: iso(r.visible_until), available_from: iso(r.available_from), available_until: iso(r.available_until), valid_days: r.valid_days,
    refundable_on_cancel: r.refundable_on_cancel, partner_service_id: r.partner_service_id, partner_reward_id: r.partner_reward_id,
    code_prefix: r.code_prefix, active: r.active, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(),
  };
}

function badRequest(field: string, message: string): DomainException {
  return new DomainException('validation_failed', 400, `${field}: ${message}`, {}, [{ field, messages: [message] }]);
}

/** The catalogue: everyone reads it, admins write it; stock changes are recorded movements. */
@Injectable()
export class CatalogueService {
  constructor(private readonly rewards: RewardRepository, private readonly tx: TransactionRunner) {}

  async list(q: ListRewardsQuery, principal: TokenPrincipal | null): Promise<{ data: RewardView[]; next_cursor: string | null }> {
    const limit = q.limit ?? 20;
    const rows = await this.rewards.listVisible(q.type ?? null, q.cursor ?? null, limit);
    const page = rows.slice(0, limit);
    return { data: await this.withEligibility(page, principal), next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  async get(id: string, principal: TokenPrincipal | null): Promise<RewardView> {
    const row = await this.rewards.getById(id);
    if (!row) throw new RewardException('reward_not_found');
    return (await this.withEligibility([row], principal))[0]!;
  }

  async create(m: EntityManager, dto: CreateRewardDto, principal: TokenPrincipal | null): Promise<RewardView> {
    const cols = await this.columns(m, dto, null);
    // Days valid after issue default to 30 (DOMAIN.md); null means never expires.
    const row = await this.rewards.insert(m, { ...cols, code: dto.code, type: dto.type, valid_days: dto.valid_days === undefined ? 30 : dto.valid_days });
    if (!row) throw new RewardException('reward_code_taken', `a reward with code ${dto.code} exists`);
    if (row.stock_total !== null) {
      await this.rewards.recordMovement(m, { rewardId: row.id, delta: row.stock_total, stockTotalAfter: row.stock_total, kind: 'set', reason: dto.stock_reason ?? 'initial stock', actor: actorOf(principal) });
    }
    return rewardView(row);
  }

  update(id: string, dto: UpdateRewardDto, principal: TokenPrincipal | null): Promise<RewardView> {
    return this.tx.run(async ({ manager: m }) => {
      const current = await this.rewards.lockForUpdate(m, id);
      if (!current) throw new RewardException('reward_not_found');
      const cols = await this.columns(m, dto, current);
      if (dto.stock !== undefined) {
        if (!dto.stock_reason) throw badRequest('stock_reason', 'required when stock changes (recorded with the movement)');
        if (dto.stock !== null && current.stock_total !== null && dto.stock < current.stock_used) {
          throw new RewardException('limit_below_used', `stock may not go below the ${current.stock_used} units already taken`, { used: current.stock_used });
        }
      }
      const limit = dto.per_user_limit === undefined ? current.per_user_limit : dto.per_user_limit;
      const period = dto.limit_period ?? current.limit_period;
      if (limit !== null && (dto.per_user_limit !== undefined || dto.limit_period !== undefined)) {
        const used = await this.rewards.mostUsedByOneUser(m, id, period);
        if (limit < used) throw new RewardException('limit_below_used', `a resident already has ${used} redemptions in this period`, { used });
      }
      if (dto.stock !== undefined && dto.stock !== null && current.stock_total === null) await this.rewards.startCountingStock(m, id);
      const row = await this.rewards.update(m, id, cols);
      if (dto.stock !== undefined && dto.stock !== current.stock_total) {
        await this.rewards.recordMovement(m, {
          rewardId: id, delta: (dto.stock ?? 0) - (current.stock_total ?? 0), stockTotalAfter: dto.stock, kind: 'set', reason: dto.stock_reason!, actor: actorOf(principal),
        });
      }
      return rewardView(row);
    });
  }

  async movements(id: string): Promise<{ data: unknown[] }> {
    if (!(await this.rewards.getById(id))) throw new RewardException('reward_not_found');
    const rows = await this.rewards.listMovements(id, 100);
    return { data: rows.map((r) => ({ ...r, id: Number(r.id), created_at: r.created_at.toISOString() })) };
  }

  /** DTO → columns, checking what a decorator cannot: the tier exists, windows are ordered, a cashback pays something. */
  private async columns(m: EntityManager, dto: CreateRewardDto | UpdateRewardDto, current: RewardRow | null): Promise<RewardColumns> {
    if (dto.min_tier != null && (await this.rewards.tierRank(dto.min_tier, m)) === null) throw new RewardException('unknown_tier', `no tier ${dto.min_tier}`);
    const date = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));
    const cols: RewardColumns = {
      name: dto.name, description: dto.description, points_cost: dto.points_cost, value_cents: dto.value, stock_total: dto.stock,
      per_user_limit: dto.per_user_limit, limit_period: dto.limit_period, min_tier: dto.min_tier, visible_from: date(dto.visible_from),
      visible_until: date(dto.visible_until), available_from: date(dto.available_from), available_until: date(dto.available_until),
      valid_days: dto.valid_days, refundable_on_cancel: dto.refundable_on_cancel, partner_service_id: dto.partner_service_id,
      partner_reward_id: dto.partner_reward_id, code_prefix: dto.code_prefix === undefined || dto.code_prefix === null ? dto.code_prefix : dto.code_prefix.toUpperCase(),
      active: dto.active,
    };
    const pick = <K extends keyof RewardColumns>(k: K) => (cols[k] !== undefined ? cols[k] : current ? (current as RewardColumns)[k] : undefined);
    for (const [from, until] of [['visible_from', 'visible_until'], ['available_from', 'available_until']] as const) {
      const f = pick(from) as Date | null | undefined;
      const u = pick(until) as Date | null | undefined;
      if (f && u && f.getTime() >= u.getTime()) throw badRequest(until, `must be after ${from}`);
    }
    const type = 'type' in dto && dto.type ? dto.type : current?.type;
    if (type === 'cashback' && !(Number(pick('value_cents') ?? 0) > 0)) throw badRequest('value', 'a cashback must pay a value in cents');
    return cols;
  }

  private async withEligibility(rows: RewardRow[], principal: TokenPrincipal | null): Promise<RewardView[]> {
    const userId = userIdOf(principal);
    if (!userId) return rows.map(rewardView);
    const rank = await this.rewards.userTierRank(userId);
    const used = await this.rewards.usedInPeriod(userId, rows.filter((r) => r.per_user_limit !== null).map((r) => r.id));
    const ranks = new Map<string, number | null>();
    for (const r of rows) if (r.min_tier && !ranks.has(r.min_tier)) ranks.set(r.min_tier, await this.rewards.tierRank(r.min_tier));
    const now = new Date();
    return rows.map((r) => {
      const reason = ineligibility(r, { now, userTierRank: rank, minTierRank: r.min_tier ? ranks.get(r.min_tier) ?? null : null, usedInPeriod: used.get(r.id) ?? 0 });
      return { ...rewardView(r), eligibility: { eligible: reason === null, reason } };
    });
  }
}
