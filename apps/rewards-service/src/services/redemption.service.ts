import { Injectable, Logger } from '@nestjs/common';
import { uuidv7, type EventEnvelope, type WalletTransferLeg, type WalletTransferRequest } from '@wozamali/contracts';
import { OutboxNotifier, OutboxWriter, TransactionRunner } from '@wozamali/messaging';
import { idempotencyKeyHash, requestContext, sealIdempotentAnswer, storedIdempotentAnswer, type IdempotentRequest, type TokenPrincipal } from '@wozamali/platform';
import { WalletClient } from '@wozamali/wallet-client';
import { RewardsServiceEnv } from '../config/env';
import { actorOf } from '../domain/principal';
import { expiryOf, type Ineligibility, type RewardRow } from '../domain/reward';
import { RewardException } from '../errors/reward.exception';
import { RedemptionRepository, type RedemptionRow } from '../repositories/redemption.repository';
import { RewardRepository } from '../repositories/reward.repository';
import { UserRewardRepository } from '../repositories/user-reward.repository';
import { rewardIssueEvent, type IssuedReward } from './issue.service';
import { generateCode, normaliseCode } from '../domain/reward-code';
import { issuedView, userRewardView, type UserRewardView } from './user-reward.view';

/** A redemption after {@link RedemptionService.complete}, with the reward's view when this call issued it. */
export interface Completed {
  row: RedemptionRow;
  issued: UserRewardView | null;
}

/** The answer to a redemption: issued (201, or 200 on a replay) or pending (202). */
export interface RedemptionAnswer {
  status: 200 | 201 | 202;
  body: { redemption_id: string; status: 'issued' | 'pending'; reward_id: string; user_id: string; user_reward: UserRewardView | null };
}

/** The refusals the locked decision can store as a key's answer (see the `reward_redeem` function), built once. */
const REFUSALS = (['reward_unavailable', 'tier_too_low', 'limit_reached', 'out_of_stock'] as const satisfies readonly Ineligibility[]).map((code) => ({ code, refusal: new RewardException(code) }));

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
    private readonly env: RewardsServiceEnv,
    private readonly rewards: RewardRepository,
    private readonly redemptions: RedemptionRepository,
    private readonly userRewards: UserRewardRepository,
    private readonly wallet: WalletClient,
    private readonly tx: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly notifier: OutboxNotifier,
  ) {}

  async redeem(write: IdempotentRequest, userId: string, rewardId: string, principal: TokenPrincipal | null): Promise<RedemptionAnswer> {
    if (principal?.type === 'user' && principal.role !== 'admin' && principal.userId !== userId) throw new RewardException('forbidden', 'residents redeem for themselves only');
    // The key and the locked decision are one statement; every answer it can store is sealed first.
    const id = uuidv7();
    const actor = actorOf(principal);
    const decision = await this.rewards.decideRedemption({
      caller: write.caller, keyHash: idempotencyKeyHash(write.key), requestHash: write.requestHash, okStatus: 201,
      ok: sealIdempotentAnswer(write, { body: { redemption_id: id } }),
      refusals: REFUSALS.map(({ code, refusal }) => ({ code, status: refusal.status, sealed: sealIdempotentAnswer(write, { refusal }) })),
      redemptionId: id, rewardId, userId, actor, graceMs: this.env.PENDING_REDEMPTION_GRACE_MS,
    });
    if (!decision) throw new RewardException('reward_not_found');
    if (decision.outcome === 'refused') throw new RewardException(decision.refusal as Ineligibility);
    if (decision.outcome === 'replay') {
      const answer = storedIdempotentAnswer(write, decision.stored);
      if ('refusal' in answer) throw answer.refusal;
      // Another request or the worker may have finished it: read it.
      return this.answerOf(await this.complete((answer.body as { redemption_id: string }).redemption_id), true);
    }
    const now = new Date();
    const row: RedemptionRow = {
      id, reward_id: rewardId, user_id: userId, status: 'pending', wallet_request: decision.walletRequest, holds_stock: decision.holdsStock, transfer_id: null, failure_code: null, requested_by: actor,
      attempts: 0, next_attempt_at: now, created_at: now, completed_at: null,
    };
    return this.answerOf(await this.complete(id, { row, reward: decision.reward }), false);
  }

  /**
   * Drives a redemption to its outcome: sends the stored transfer with the redemption's key (a
   * replay if it landed before), then records `issued` or `failed` once. Unknown outcome: stays pending.
   */
  async complete(id: string, known: { row: RedemptionRow; reward: RewardRow } | null = null): Promise<Completed> {
    const r = known?.row ?? (await this.redemptions.getById(id));
    if (!r) throw new Error(`redemption ${id} vanished`);
    if (r.status !== 'pending') return { row: r, issued: null };
    if (r.wallet_request === null) return this.recordIssued(r, known?.reward ?? null, null);
    const call = await this.wallet.transfer(r.wallet_request, { idempotencyKey: `redemption:${id}`, requestId: requestContext.requestId() ?? undefined });
    switch (call.kind) {
      case 'applied':
        return this.recordIssued(r, known?.reward ?? null, call.body.transfer_id);
      case 'refused':
        return { row: await this.recordFailed(r, call.code === 'insufficient_points' || call.code === 'insufficient_funds' ? call.code : `wallet_${call.code}`, call.detail), issued: null };
      case 'unavailable':
        this.logger.warn(`redemption ${id} pending: the wallet is unavailable (${call.reason})`);
        await this.redemptions.deferAfterUnavailable(id);
        return { row: r, issued: null };
    }
  }

  /** Records the outcome `issued` once: one statement (see {@link RedemptionRepository.issueOnce}), the relay woken after it. */
  private async recordIssued(r: RedemptionRow, known: RewardRow | null, transferId: string | null): Promise<Completed> {
    const reward = known ?? (await this.rewards.getById(r.reward_id))!;
    for (let attempt = 0; ; attempt += 1) {
      const issued: IssuedReward = { id: uuidv7(), code: generateCode(reward.code_prefix), issuedAt: new Date(), expiresAt: null };
      issued.expiresAt = expiryOf(reward.valid_days, issued.issuedAt);
      const event = rewardIssueEvent({ reward, userId: r.user_id, source: 'redemption', redemptionId: r.id, transferId }, issued);
      const [{ topic, envelope }] = this.outbox.envelopes([{ ...event, correlation_id: requestContext.requestId() }]) as [{ topic: string; envelope: EventEnvelope }];
      try {
        const won = await this.redemptions.issueOnce({
          id: r.id, transferId, userRewardId: issued.id, code: issued.code, normalised: normaliseCode(issued.code!), issuedAt: issued.issuedAt, expiresAt: issued.expiresAt,
          outbox: { id: envelope.id, topic, key: envelope.subject, type: envelope.type, payload: envelope },
        });
        if (!won) return { row: (await this.redemptions.getById(r.id))!, issued: null };
        this.notifier.poke();
        const row: RedemptionRow = { ...r, status: 'issued', transfer_id: transferId, completed_at: new Date() };
        return { row, issued: issuedView(reward, r.user_id, r.id, issued) };
      } catch (err) {
        const e = err as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string };
        const pg = e.driverError ?? e;
        if (pg.code === '23505' && pg.constraint === 'user_rewards_code_normalised_key' && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** The wallet refused: the redemption fails and its stock comes back, exactly once (the conditional update decides who). */
  private recordFailed(r: RedemptionRow, code: string, detail?: string): Promise<RedemptionRow> {
    if (code.startsWith('wallet_')) this.logger.warn(`redemption ${r.id} refused by the wallet: ${code}${detail ? ` (${detail})` : ''}`);
    return this.tx.run(async ({ manager }) => {
      if ((await this.redemptions.markFailed(manager, r.id, code)) && r.holds_stock) {
        const reward = (await this.rewards.lockForUpdate(manager, r.reward_id))!;
        await this.rewards.giveBackOne(manager, r.reward_id);
        if (reward.stock_total !== null) {
          await this.rewards.recordMovement(manager, { rewardId: r.reward_id, delta: 1, stockTotalAfter: reward.stock_total, kind: 'returned', reason: `redemption failed: ${code}`, redemptionId: r.id, actor: 'system' });
        }
      }
      return (await this.redemptions.getById(r.id, manager))!;
    });
  }

  private async answerOf({ row: r, issued }: Completed, replayed: boolean): Promise<RedemptionAnswer> {
    const base = { redemption_id: r.id, reward_id: r.reward_id, user_id: r.user_id };
    switch (r.status) {
      case 'issued': {
        const ur = issued ?? (await this.userRewards.getByRedemption(r.id).then((x) => (x ? userRewardView(x, true) : null)));
        return { status: replayed ? 200 : 201, body: { ...base, status: 'issued', user_reward: ur } };
      }
      case 'pending':
        return { status: 202, body: { ...base, status: 'pending', user_reward: null } };
      case 'failed':
        if (r.failure_code === 'insufficient_points') throw new RewardException('insufficient_points', 'the resident does not have enough points');
        throw new RewardException('redemption_refused', `the wallet refused the redemption (${r.failure_code ?? 'unknown'})`);
    }
  }
}
