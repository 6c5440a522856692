import { Injectable } from '@nestjs/common';
import type { TokenPrincipal } from '@wozamali/platform';
import type { ListUserRewardsQuery } from '../dtos/redemption.dto';
import { RewardException } from '../errors/reward.exception';
import { UserRewardRepository } from '../repositories/user-reward.repository';
import { userRewardView, type UserRewardView } from './user-reward.view';

/** A resident's rewards. Codes are shown to end users (the resident, an admin), never to service keys. */
@Injectable()
export class UserRewardsService {
  constructor(private readonly userRewards: UserRewardRepository) {}

  async list(userId: string, q: ListUserRewardsQuery, principal: TokenPrincipal | null): Promise<{ data: UserRewardView[]; next_cursor: string | null }> {
    const limit = q.limit ?? 20;
    const rows = await this.userRewards.listForUser(userId, q.status ?? null, q.cursor ?? null, limit);
    const page = rows.slice(0, limit);
    return { data: page.map((r) => userRewardView(r, principal?.type === 'user')), next_cursor: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  async get(userId: string, id: string, principal: TokenPrincipal | null): Promise<UserRewardView> {
    const row = await this.userRewards.getById(id);
    if (!row || row.user_id !== userId) throw new RewardException('user_reward_not_found');
    return userRewardView(row, principal?.type === 'user');
  }
}
