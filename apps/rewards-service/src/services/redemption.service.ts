import { Injectable, Logger } from '@nestjs/common';
import { uuidv7, type WalletTransferLeg, type WalletTransferRequest } from '@wozamali/contracts';
import { TransactionRunner } from '@wozamali/messaging';
import { requestContext, runIdempotent, type IdempotentRequest, type TokenPrincipal } from '@wozamali/platform';
import { WalletClient } from '@wozamali/wallet-client';
import { DataSource, type EntityManager } from 'typeorm';
import { RewardsServiceEnv } from '../config/env';
import { actorOf } from '../domain/principal';
import { ineligibility, type RewardRow } from '../domain/reward';
import { RewardException } from '../errors/reward.exception';
import { RedemptionRepository, type RedemptionRow } from '../repositories/redemption.repository';
import { RewardRepository } from '../repositories/reward.repository';
import { UserRewardRepository } from '../repositories/user-reward.repository';
import { IssueService } from './issue.service';
import { userRewardView, type UserRewardView } from './user-reward.view';

/** The answer to a redemption: issued (201, or 200 on a replay) or pending (202). */
export interface RedemptionAnswer {
  status: 200 | 201 | 202;
  body: { redemption_id: string; status: 'issued' | 'pending'; reward_id: string; user_id: string; user_reward: UserRewardView | null };
}

/** The ledger transfer of a redemption: the points to the reward sink, and a cashback's money to the resident, as ONE transfer. */
export function walletRequestOf(reward: RewardRow, userId: string, redemptionId: string): WalletTransferRequest | null {
  const legs: WalletTransferLeg[] = [];
  if (reward.points_cost > 0) legs.push({ from: { type: 'user', id: userId }, to: { type: 'reward_sink' }, asset: 'POINTS', amount: reward.points_cost });
  if (reward.type === 'cashback' && Number(reward.value_cents) > 0) legs.push({ from: { type: 'platform' }, to: { type: 'user', id: userId }, asset: 'ZAR', amount: Number(reward.value_cents) });
  if (legs.length === 0) return null;
  return {
    kind: 'redeem', description: `Reward ${reward.code}: ${reward.name}`.slice(0, 500), reference: redemptionId, user_id: userId, legs,
    metadata: { reward_id: reward.id, reward_code: reward.code, redemption_id: redemptionId },
  };
}

/**
 * Redemptions (DESIGN.md §4): one locked decision committed as `pending` (reward row locked, the
 * limit counted with pending ones, stock taken conditionally), then one wallet transfer keyed by the
 * redemption id, then the outcome. The request and the worker finish a redemption through the same
 * {@link complete}; the wallet's idempotency and the conditional `pending →` updates make it once.
 */
@Injectable()
export class RedemptionService {
  private readonly logger = new Logger('Redemptions');

  constructor(
    private readonly ds: DataSource,
    private readonly env: RewardsServiceEnv,
    private readonly rewards: RewardRepository,
    private readonly redemptions: RedemptionRepository,
    private readonly userRewards: UserRewardRepository,
    private readonly issue: IssueService,
    private readonly wallet: WalletClient,
    private readonly tx: TransactionRunner,
  ) {}

  async redeem(write: IdempotentRequest, userId: string, rewardId: string, principal: TokenPrincipal | null): Promise<RedemptionAnswer> {
    if (principal?.type === 'user' && principal.role !== 'admin' && principal.userId !== userId) throw new RewardException('forbidden', 'residents redeem for themselves only');
    const answer = await runIdempotent(this.ds, write, 201, (m) => this.decide(m, userId, rewardId, actorOf(principal)));
    if ('refusal' in answer) throw answer.refusal;
    const { redemption_id } = answer.body as { redemption_id: string };
    const done = await this.complete(redemption_id);
    return this.answerOf(done, answer.replayed);
  }

  /** The locked decision: refusals roll back to the idempotency savepoint and become the key's answer. */
  private async decide(m: EntityManager, userId: string, rewardId: string, actor: string): Promise<{ redemption_id: string }> {
    const reward = await this.rewards.lockForUpdate(m, rewardId);
    if (!reward) throw new RewardException('reward_not_found');
    const minTierRank = reward.min_tier ? await this.rewards.tierRank(reward.min_tier, m) : null;
    const userTierRank = await this.rewards.userTierRank(userId, m);
    const usedInPeriod = reward.per_user_limit === null ? 0 : (await this.rewards.usedInPeriod(userId, [reward.id], m)).get(reward.id) ?? 0;
    const refusal = ineligibility(reward, { now: new Date(), userTierRank, minTierRank, usedInPeriod });
    if (refusal) throw new RewardException(refusal);
    if (!(await this.rewards.takeOne(m, reward.id))) throw new RewardException('out_of_stock');
    const id = uuidv7();
    await this.redemptions.insertPending(m, { id, rewardId, userId, walletRequest: walletRequestOf(reward, userId, id), requestedBy: actor, graceMs: this.env.PENDING_REDEMPTION_GRACE_MS });
    if (reward.stock_total !== null) {
      await this.rewards.recordMovement(m, { rewardId, delta: -1, stockTotalAfter: reward.stock_total, kind: 'redemption', reason: 'redeemed', redemptionId: id, actor });
    }
    return { redemption_id: id };
  }

  /**
   * Drives a redemption to its outcome: sends the stored transfer with the redemption's key (a
   * replay if it landed before), then records `issued` or `failed` once. Unknown outcome: stays pending.
   */
  async complete(id: string): Promise<RedemptionRow> {
    const r = await this.redemptions.getById(id);
    if (!r) throw new Error(`redemption ${id} vanished`);
    if (r.status !== 'pending') return r;
    if (r.wallet_request === null) return this.recordIssued(r, null);
    const call = await this.wallet.transfer(r.wallet_request, { idempotencyKey: `redemption:${id}`, requestId: requestContext.requestId() ?? undefined });
    switch (call.kind) {
      case 'applied':
        return this.recordIssued(r, call.body.transfer_id);
      case 'refused':
        return this.recordFailed(r, call.code === 'insufficient_points' || call.code === 'insufficient_funds' ? call.code : `wallet_${call.code}`, call.detail);
      case 'unavailable':
        this.logger.warn(`redemption ${id} pending: the wallet is unavailable (${call.reason})`);
        await this.redemptions.deferAfterUnavailable(id);
        return r;
    }
  }

  private recordIssued(r: RedemptionRow, transferId: string | null): Promise<RedemptionRow> {
    return this.tx.run(async ({ manager, emit }) => {
      if (await this.redemptions.markIssued(manager, r.id, transferId)) {
        const reward = (await this.rewards.getById(r.reward_id, manager))!;
        await this.issue.issue(manager, (...e) => emit(...e.map((x) => ({ ...x, correlation_id: requestContext.requestId() }))), {
          reward, userId: r.user_id, source: 'redemption', redemptionId: r.id, transferId,
        });
      }
      return (await this.redemptions.getById(r.id, manager))!;
    });
  }

  /** The wallet refused: the redemption fails and its stock comes back, exactly once (the conditional update decides who). */
  private recordFailed(r: RedemptionRow, code: string, detail?: string): Promise<RedemptionRow> {
    if (code.startsWith('wallet_')) this.logger.warn(`redemption ${r.id} refused by the wallet: ${code}${detail ? ` (${detail})` : ''}`);
    return this.tx.run(async ({ manager }) => {
      if (await this.redemptions.markFailed(manager, r.id, code)) {
        const reward = (await this.rewards.lockForUpdate(manager, r.reward_id))!;
        await this.rewards.giveBackOne(manager, r.reward_id);
        if (reward.stock_total !== null) {
          await this.rewards.recordMovement(manager, { rewardId: r.reward_id, delta: 1, stockTotalAfter: reward.stock_total, kind: 'returned', reason: `redemption failed: ${code}`, redemptionId: r.id, actor: 'system' });
        }
      }
      return (await this.redemptions.getById(r.id, manager))!;
    });
  }

  private async answerOf(r: RedemptionRow, replayed: boolean): Promise<RedemptionAnswer> {
    const base = { redemption_id: r.id, reward_id: r.reward_id, user_id: r.user_id };
    switch (r.status) {
      case 'issued': {
        const ur = await this.userRewards.getByRedemption(r.id);
        return { status: replayed ? 200 : 201, body: { ...base, status: 'issued', user_reward: ur ? userRewardView(ur, true) : null } };
      }
      case 'pending':
        return { status: 202, body: { ...base, status: 'pending', user_reward: null } };
      case 'failed':
        if (r.failure_code === 'insufficient_points') throw new RewardException('insufficient_points', 'the resident does not have enough points');
        throw new RewardException('redemption_refused', `the wallet refused the redemption (${r.failure_code ?? 'unknown'})`);
    }
  }
}
