import { Injectable, Logger } from '@nestjs/common';
import { uuidv7, type RewardType } from '@wozamali/contracts';
import { TransactionRunner } from '@wozamali/messaging';
import { DomainException, runIdempotent, type IdempotentRequest, type TokenPrincipal } from '@wozamali/platform';
import { DataSource } from 'typeorm';
import { normaliseCode } from '../domain/reward-code';
import { RewardException, type RewardErrorCode } from '../errors/reward.exception';
import { CodeUseRepository } from '../repositories/code-use.repository';
import { SettingsRepository } from '../repositories/settings.repository';
import { UserRewardRepository, type UserRewardRow } from '../repositories/user-reward.repository';
import { RewardEvents } from './events';
import type { Replayable } from './replayable';

interface Partner {
  serviceId: string;
  keyId: string;
}

/** What a partner sees of a usable code: enough to honour it, nothing more. */
export interface PartnerCodeView {
  usable: true;
  user_reward_id: string;
  reward_id: string;
  reward_code: string;
  reward_name: string;
  reward_type: string;
  partner_reward_id: string | null;
  value: number;
  currency: string;
  expires_at: string | null;
}

const FAILURES: ReadonlySet<RewardErrorCode> = new Set(['code_not_usable', 'already_used', 'code_expired', 'code_cancelled']);

/**
 * Partners validate (no side effect), use once and roll back uses of codes. Anything not proven
 * usable by this partner is `code_not_usable` to anyone but the owning partner (the reason is
 * logged); failed attempts are counted per API key and minute, and over the limit answer 429.
 */
@Injectable()
export class CodeService {
  private readonly logger = new Logger('RewardCodes');

  constructor(
    private readonly ds: DataSource,
    private readonly userRewards: UserRewardRepository,
    private readonly uses: CodeUseRepository,
    private readonly settings: SettingsRepository,
    private readonly tx: TransactionRunner,
    private readonly events: RewardEvents,
  ) {}

  async validate(code: string, principal: TokenPrincipal | null): Promise<PartnerCodeView> {
    const partner = this.partnerOf(principal);
    await this.refuseOverLimit(partner);
    const normalised = normaliseCode(code);
    const row = normalised ? await this.userRewards.findByCode(normalised) : null;
    return this.counted(partner, async () => this.judge(row, partner));
  }

  async use(write: IdempotentRequest, code: string, principal: TokenPrincipal | null): Promise<Replayable<unknown>> {
    const partner = this.partnerOf(principal);
    await this.refuseOverLimit(partner);
    return this.counted(partner, async () => {
      const answer = await runIdempotent(this.ds, write, 200, async (m) => {
        const normalised = normaliseCode(code);
        const row = normalised ? await this.userRewards.lockByCode(m, normalised) : null;
        this.judge(row, partner);
        const usedAt = new Date();
        const useId = uuidv7();
        await this.userRewards.setStatus(m, row!.id, 'issued', 'used', { used_at: usedAt, used_by_service_id: partner.serviceId });
        await this.uses.insert(m, { id: useId, userRewardId: row!.id, partnerServiceId: partner.serviceId, keyId: partner.keyId, usedAt });
        await this.events.emitIn(m, {
          type: 'reward_used', subject: row!.user_id,
          data: { ...refOf(row!), used_by_service_id: partner.serviceId, used_at: usedAt.toISOString() },
        });
        return { use_id: useId, used_at: usedAt.toISOString(), ...this.view(row!) };
      });
      if ('refusal' in answer) throw answer.refusal;
      return { replayed: answer.replayed, body: answer.body };
    });
  }

  async rollback(write: IdempotentRequest, useId: string, reason: string, principal: TokenPrincipal | null): Promise<Replayable<unknown>> {
    const partner = this.partnerOf(principal);
    const { rollbackHours } = await this.settings.get().then((s) => ({ rollbackHours: s.use_rollback_hours }));
    const answer = await runIdempotent(this.ds, write, 200, async (m) => {
      const use = await this.uses.lockForUpdate(m, useId);
      if (!use || use.partner_service_id !== partner.serviceId) throw new RewardException('use_not_found');
      if (use.rolled_back_at) throw new RewardException('use_already_rolled_back');
      if (Date.now() - use.used_at.getTime() > rollbackHours * 3_600_000) throw new RewardException('rollback_window_passed', `a use can be rolled back within ${rollbackHours} h`);
      const row = await this.userRewards.lockForUpdate(m, use.user_reward_id);
      await this.uses.markRolledBack(m, useId, reason);
      await this.userRewards.setStatus(m, use.user_reward_id, 'used', 'issued', { used_at: null, used_by_service_id: null });
      return { use_id: useId, rolled_back: true, reason, user_reward_id: row!.id, status: 'issued' };
    });
    if ('refusal' in answer) throw answer.refusal;
    return { replayed: answer.replayed, body: answer.body };
  }

  /** The code's verdict for this partner: usable (its view), or the refusal it gets. */
  private judge(row: UserRewardRow | null, partner: Partner): PartnerCodeView {
    if (!row || row.partner_service_id !== partner.serviceId) {
      this.logger.warn(`code_not_usable for ${partner.serviceId} (key ${partner.keyId}): ${row ? `a code of ${row.partner_service_id ?? 'no partner'}` : 'unknown code'}`);
      throw new RewardException('code_not_usable');
    }
    if (row.status !== 'issued') this.logger.log(`code of user reward ${row.id} refused for its partner: ${row.status}`);
    if (row.status === 'used') throw new RewardException('already_used');
    if (row.status === 'cancelled') throw new RewardException('code_cancelled');
    if (row.status === 'expired' || (row.expires_at && row.expires_at.getTime() <= Date.now())) throw new RewardException('code_expired');
    return this.view(row);
  }

  private view(row: UserRewardRow): PartnerCodeView {
    return {
      usable: true, user_reward_id: row.id, reward_id: row.reward_id, reward_code: row.reward_code, reward_name: row.reward_name, reward_type: row.reward_type,
      partner_reward_id: row.partner_reward_id, value: Number(row.value_cents), currency: row.currency, expires_at: row.expires_at ? row.expires_at.toISOString() : null,
    };
  }

  private partnerOf(principal: TokenPrincipal | null): Partner {
    if (principal?.type !== 'service') throw new RewardException('partner_only', 'codes are validated and used by partners with a service key');
    return { serviceId: principal.serviceId, keyId: principal.keyId };
  }

  /** Runs `fn`; a code failure is counted against the key (in its own transaction: it stays counted). */
  private async counted<T>(partner: Partner, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DomainException && FAILURES.has(err.code as RewardErrorCode)) await this.uses.addFailure(this.ds, partner.keyId);
      throw err;
    }
  }

  /** Over the limit this minute: 429, and one `reward_code_rate_limited` event per key and minute. */
  private async refuseOverLimit(partner: Partner): Promise<void> {
    const { code_failures_per_minute: limit } = await this.settings.get();
    const now = await this.uses.failuresThisMinute(partner.keyId);
    if (now.failures < limit) return;
    await this.tx.run(async ({ manager, emit }) => {
      const after = await this.uses.addFailure(manager, partner.keyId);
      if (after.failures === limit + 1) {
        await emit({
          type: 'reward_code_rate_limited', subject: partner.serviceId,
          data: { partner_service_id: partner.serviceId, key_id: partner.keyId, failures: after.failures, limit, window_start: new Date(after.window).toISOString() },
        });
      }
    });
    throw new RewardException('too_many_failed_validations', `more than ${limit} failed code validations this minute; try again next minute`, { limit });
  }
}

/** The fields every reward event carries. */
export function refOf(r: UserRewardRow) {
  return {
    user_id: r.user_id, user_reward_id: r.id, reward_id: r.reward_id, reward_code: r.reward_code, reward_type: r.reward_type as RewardType,
    partner_service_id: r.partner_service_id,
  };
}
