import { Injectable } from '@nestjs/common';
import { uuidv7, type RewardType } from '@wozamali/contracts';
import type { TypedOutboxEvent } from '@wozamali/messaging';
import type { EntityManager } from 'typeorm';
import { generateCode, normaliseCode } from '../domain/reward-code';
import { expiryOf, type RewardRow } from '../domain/reward';
import { UserRewardRepository } from '../repositories/user-reward.repository';

/** Writes events into the caller's transaction. */
export type Emit = (...events: TypedOutboxEvent[]) => Promise<unknown>;

/** Issues user rewards (by redemption, badge or admin) with their code and `reward_issue` event. */
@Injectable()
export class IssueService {
  constructor(private readonly userRewards: UserRewardRepository) {}

  /**
   * Issues `reward` to `userId` in the caller's transaction; null when it was not issued (a badge the
   * user already has). A code is drawn until one is free (60 bits: a collision is rare).
   */
  async issue(m: EntityManager, emit: Emit, r: { reward: RewardRow; userId: string; source: 'redemption' | 'badge' | 'admin'; redemptionId: string | null; transferId: string | null }): Promise<IssuedReward | null> {
    const id = uuidv7();
    const issuedAt = new Date();
    const expiresAt = expiryOf(r.reward.valid_days, issuedAt);
    const badge = r.reward.type === 'badge';
    let code: string | null = null;
    for (let attempt = 0; ; attempt += 1) {
      code = badge ? null : generateCode(r.reward.code_prefix);
      const inserted = await this.userRewards.insert(m, {
        id, userId: r.userId, rewardId: r.reward.id, redemptionId: r.redemptionId, source: r.source, code, normalised: code ? normaliseCode(code) : null, issuedAt, expiresAt,
      });
      if (inserted) break;
      if (badge) return null;
      if (attempt >= 5) throw new Error('could not draw a free reward code in 6 attempts');
    }
    await emit(rewardIssueEvent(r, { id, code, issuedAt, expiresAt }));
    return { id, code, issuedAt, expiresAt };
  }
}

/** The `reward_issue` event of a reward just issued. */
export function rewardIssueEvent(r: { reward: RewardRow; userId: string; source: 'redemption' | 'badge' | 'admin'; redemptionId: string | null; transferId: string | null }, issued: IssuedReward): TypedOutboxEvent {
  return {
    type: 'reward_issue',
    subject: r.userId,
    data: {
      user_id: r.userId, user_reward_id: issued.id, reward_id: r.reward.id, reward_code: r.reward.code, reward_type: r.reward.type as RewardType,
      partner_service_id: r.reward.partner_service_id, reward_name: r.reward.name, source: r.source, redemption_id: r.redemptionId,
      transfer_id: r.transferId, points_cost: r.source === 'redemption' ? r.reward.points_cost : 0, value: Number(r.reward.value_cents),
      currency: r.reward.currency, issued_at: issued.issuedAt.toISOString(), expires_at: issued.expiresAt ? issued.expiresAt.toISOString() : null,
    },
  };
}

/** What {@link IssueService.issue} wrote. */
export interface IssuedReward {
  id: string;
  code: string | null;
  issuedAt: Date;
  expiresAt: Date | null;
}
