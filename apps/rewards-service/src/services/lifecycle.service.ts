import { Injectable, Logger } from '@nestjs/common';
import { runIdempotent, requestContext, type IdempotentRequest, type TokenPrincipal } from '@wozamali/platform';
import { WalletClient } from '@wozamali/wallet-client';
import { DataSource, type EntityManager } from 'typeorm';
import { actorOf } from '../domain/principal';
import { RewardException } from '../errors/reward.exception';
import { RewardRepository } from '../repositories/reward.repository';
import { SettingsRepository } from '../repositories/settings.repository';
import { UserRewardRepository } from '../repositories/user-reward.repository';
import { refOf } from './code.service';
import { RewardEvents } from './events';
import { IssueService } from './issue.service';
import type { Replayable } from './replayable';
import { userRewardView, type UserRewardView } from './user-reward.view';

const BATCH = 500;

/** Cancel, expiry and reminders, and badges: what happens to a user reward after it is issued. */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger('RewardLifecycle');

  constructor(
    private readonly ds: DataSource,
    private readonly rewards: RewardRepository,
    private readonly userRewards: UserRewardRepository,
    private readonly settings: SettingsRepository,
    private readonly wallet: WalletClient,
    private readonly issue: IssueService,
    private readonly events: RewardEvents,
  ) {}

  /**
   * Admin cancel of an unused reward. The row stays locked while the wallet reverses the redemption's
   * transfer (only when `refundable_on_cancel`), so no partner can use it meanwhile; an unreachable
   * wallet answers 503 and changes nothing (send the same key again).
   */
  async cancel(write: IdempotentRequest, userId: string, id: string, reason: string, principal: TokenPrincipal | null): Promise<Replayable<UserRewardView>> {
    const answer = await runIdempotent(this.ds, write, 200, async (m) => {
      const row = await this.userRewards.lockForUpdate(m, id);
      if (!row || row.user_id !== userId) throw new RewardException('user_reward_not_found');
      if (row.status !== 'issued') throw new RewardException('reward_not_cancellable', `a ${row.status} reward cannot be cancelled`);
      let refundTransferId: string | null = null;
      let refunded = 0;
      if (row.refundable_on_cancel && row.transfer_id) {
        const call = await this.wallet.reverseTransfer(row.transfer_id, { reason: `Reward cancelled: ${reason}`.slice(0, 500) }, { idempotencyKey: `cancel:${id}`, requestId: requestContext.requestId() ?? undefined });
        switch (call.kind) {
          case 'applied':
            refundTransferId = call.body.transfer_id;
            refunded = row.points_cost;
            break;
          case 'refused':
            this.logger.warn(`refund of user reward ${id} refused by the wallet: ${call.code} ${call.detail ?? ''}`);
            throw new RewardException('redemption_refused', `the wallet refused the refund (${call.code})`);
          case 'unavailable':
            throw new RewardException('wallet_unavailable', 'the wallet is unavailable; send the same request again later');
        }
      }
      const cancelledAt = new Date();
      await this.userRewards.setStatus(m, id, 'issued', 'cancelled', { cancelled_at: cancelledAt, cancel_reason: reason, cancelled_by: actorOf(principal), refund_transfer_id: refundTransferId });
      // A redemption's or an admin issue's unit comes back (badges hold none).
      const stockRestored = row.holds_stock ? await this.giveStockBack(m, row.reward_id, row.redemption_id, actorOf(principal)) : false;
      await this.events.emitIn(m, {
        type: 'reward_cancelled', subject: row.user_id,
        data: { ...refOf(row), source: row.source, reason, cancelled_by: actorOf(principal), refunded_points: refunded, refund_transfer_id: refundTransferId, stock_restored: stockRestored, cancelled_at: cancelledAt.toISOString() },
      });
      return userRewardView((await this.userRewards.getById(id, m))!, true);
    });
    if ('refusal' in answer) throw answer.refusal;
    return { replayed: answer.replayed, body: answer.body as UserRewardView };
  }

  private async giveStockBack(m: EntityManager, rewardId: string, redemptionId: string | null, actor: string): Promise<boolean> {
    const reward = (await this.rewards.lockForUpdate(m, rewardId))!;
    await this.rewards.giveBackOne(m, rewardId);
    if (reward.stock_total === null) return false;
    await this.rewards.recordMovement(m, { rewardId, delta: 1, stockTotalAfter: reward.stock_total, kind: 'returned', reason: 'reward cancelled', redemptionId, actor });
    return true;
  }

  /**
   * One run of the expiry job: reminders (7 and 1 days before, data) and then unused rewards past
   * `expires_at` marked expired, each with its event. Idempotent: conditional on status and on the
   * days already reminded; rows are claimed with `skip locked`, so two runs never send one twice.
   */
  async expireAndRemind(): Promise<{ reminded: number; expired: number }> {
    const { expiry_reminder_days: days } = await this.settings.get();
    let reminded = 0;
    let expired = 0;
    for (;;) {
      const n = await this.ds.transaction(async (m) => {
        const rows = days.length ? await this.userRewards.claimDueReminder(m, days, BATCH) : [];
        for (const r of rows) {
          const left = (r.expires_at!.getTime() - Date.now()) / 86_400_000;
          const due = days.filter((d) => left <= d && !r.reminded_days.includes(d));
          if (due.length === 0) continue;
          // One reminder for the nearest day due; the farther ones are not sent late.
          await this.userRewards.markReminded(m, r.id, due);
          await this.events.emitIn(m, {
            type: 'reward_expiring', subject: r.user_id,
            data: { ...refOf(r), expires_at: r.expires_at!.toISOString(), days_left: Math.min(...due) },
          });
        }
        return rows.length;
      });
      reminded += n;
      if (n < BATCH) break;
    }
    for (;;) {
      const n = await this.ds.transaction(async (m) => {
        const rows = await this.userRewards.claimExpired(m, BATCH);
        const expiredAt = new Date();
        for (const r of rows) {
          if (!(await this.userRewards.setStatus(m, r.id, 'issued', 'expired', { expired_at: expiredAt }))) continue;
          await this.events.emitIn(m, {
            type: 'reward_expired', subject: r.user_id,
            data: { ...refOf(r), expires_at: r.expires_at!.toISOString(), expired_at: expiredAt.toISOString() },
          });
        }
        return rows.length;
      });
      expired += n;
      if (n < BATCH) break;
    }
    return { reminded, expired };
  }

  /** `tier_update`: remember the resident's tier (never lowered) and issue the badge of every tier reached, once each. */
  async onTier(m: EntityManager, userId: string, tier: string, lifetimePoints: number): Promise<void> {
    await m.query(
      `insert into user_tiers (user_id, tier, lifetime_points) values ($1, $2, $3)
       on conflict (user_id) do update set tier = excluded.tier, lifetime_points = excluded.lifetime_points, updated_at = now()
       where user_tiers.lifetime_points <= excluded.lifetime_points`,
      [userId, tier, lifetimePoints],
    );
    const badges = (await m.query(
      `select r.* from rewards r join tiers t on t.code = r.min_tier
        where r.type = 'badge' and r.active and t.rank > 0 and t.rank <= (select rank from tiers where code = $1) order by t.rank`,
      [tier],
    )) as Parameters<IssueService['issue']>[2]['reward'][];
    for (const reward of badges) await this.issue.issue(m, (...e) => this.events.emitIn(m, ...e), { reward, userId, source: 'badge', redemptionId: null, transferId: null });
  }

  /** `donation_create` with a known donor: the donor badge, once. */
  async onDonation(m: EntityManager, userId: string): Promise<void> {
    const reward = await this.rewards.getByCode('BADGE_DONOR', m);
    if (!reward || !reward.active) return;
    await this.issue.issue(m, (...e) => this.events.emitIn(m, ...e), { reward, userId, source: 'badge', redemptionId: null, transferId: null });
  }
}
