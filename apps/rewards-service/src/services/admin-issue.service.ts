import { Injectable } from '@nestjs/common';
import { runIdempotent, type IdempotentRequest, type TokenPrincipal } from '@wozamali/platform';
import { DataSource } from 'typeorm';
import { actorOf } from '../domain/principal';
import { RewardException } from '../errors/reward.exception';
import { RewardRepository } from '../repositories/reward.repository';
import { UserRewardRepository } from '../repositories/user-reward.repository';
import { RewardEvents } from './events';
import { IssueService } from './issue.service';
import type { Replayable } from './replayable';
import { userRewardView, type UserRewardView } from './user-reward.view';

/**
 * An admin gives a resident a reward at no cost: no wallet transfer, no window, tier or limit; only
 * the stock counts (a unit taken under the reward's lock, recorded as an `issue` movement with the
 * reason). Emits `reward_issue` (source `admin`) in the same transaction; one Idempotency-Key, one reward.
 */
@Injectable()
export class AdminIssueService {
  constructor(
    private readonly ds: DataSource,
    private readonly rewards: RewardRepository,
    private readonly userRewards: UserRewardRepository,
    private readonly issuer: IssueService,
    private readonly events: RewardEvents,
  ) {}

  async issue(write: IdempotentRequest, userId: string, rewardId: string, reason: string, principal: TokenPrincipal | null): Promise<Replayable<UserRewardView>> {
    const actor = actorOf(principal);
    const answer = await runIdempotent(this.ds, write, 201, async (m) => {
      const reward = await this.rewards.lockForUpdate(m, rewardId);
      if (!reward) throw new RewardException('reward_not_found');
      if (reward.stock_total !== null) {
        const taken = (await m.query('update rewards set stock_used = stock_used + 1 where id = $1 and stock_used < stock_total returning stock_total', [rewardId])) as [unknown[], number];
        if (taken[1] !== 1) throw new RewardException('out_of_stock');
        await this.rewards.recordMovement(m, { rewardId, delta: -1, stockTotalAfter: reward.stock_total, kind: 'issue', reason: `admin issue: ${reason}`.slice(0, 500), actor });
      }
      const issued = await this.issuer.issue(m, (...e) => this.events.emitIn(m, ...e), { reward, userId, source: 'admin', redemptionId: null, transferId: null });
      if (!issued) throw new Error('the reward could not be issued');
      await m.query('update user_rewards set issued_by = $2, issue_reason = $3, issue_holds_stock = $4 where id = $1', [issued.id, actor, reason, reward.stock_total !== null]);
      return userRewardView((await this.userRewards.getById(issued.id, m))!, true);
    });
    if ('refusal' in answer) throw answer.refusal;
    return { replayed: answer.replayed, body: answer.body as UserRewardView };
  }
}
