// The rewards-service's success answers as JSON Schema, per controller method (`Controller.method`),
// as its views build them (services/catalogue.service.ts rewardView, services/user-reward.view.ts,
// services/code.service.ts, services/redemption.service.ts). The gateway merges them with the
// operations emitted from this service's controllers and DTOs (apps/rewards-service/openapi.json,
// rewritten by `npm run build`); the contract test validates real answers against them.
import { openapi, type DeclaredResponse } from '@wozamali/contracts';
import { statusOf, type RewardErrorCode } from '../errors/reward.exception';

const { object, nullable, uuid, time, int, str, bool, page, list, arrayOf, oneOfStrings } = openapi;
const maybeTime = nullable('string', { format: 'date-time' });
const maybeUuid = nullable('string', { format: 'uuid' });
const cents = { type: 'integer', description: 'cents' };
/** The partner's service id (an X-Service-ID, not necessarily a UUID): the one service whose keys may validate and use the reward's codes. */
const PARTNER = nullable('string');
const INELIGIBILITY = ['reward_unavailable', 'tier_too_low', 'limit_reached', 'out_of_stock'];

const REWARD = object({
  id: uuid, code: str, name: str, description: str, type: oneOfStrings('discount', 'cashback', 'product', 'service', 'badge'), points_cost: int, value: cents, currency: str,
  stock: nullable('integer'), stock_remaining: nullable('integer'), per_user_limit: nullable('integer'), limit_period: oneOfStrings('total', 'day', 'week', 'month'),
  min_tier: nullable('string'), visible_from: maybeTime, visible_until: maybeTime, available_from: maybeTime, available_until: maybeTime, valid_days: nullable('integer'),
  refundable_on_cancel: bool, partner_service_id: PARTNER, partner_reward_id: nullable('string'), code_prefix: nullable('string'), active: bool,
  created_at: time, updated_at: time,
  eligibility: { ...object({ eligible: bool, reason: { type: ['string', 'null'], enum: [...INELIGIBILITY, null] } }), description: 'for a signed-in resident only' },
}, ['eligibility']);

const USER_REWARD = object({
  id: uuid, user_id: uuid, reward_id: uuid, reward_code: str, reward_name: str, reward_type: str, redemption_id: maybeUuid, source: str,
  code: nullable('string', { description: 'the bearer code: to the resident and admins only, null to service keys' }),
  status: oneOfStrings('issued', 'used', 'expired', 'cancelled'), issued_at: time, expires_at: maybeTime, used_at: maybeTime, expired_at: maybeTime,
  cancelled_at: maybeTime, cancel_reason: nullable('string'), points_cost: int, value: cents, currency: str, partner_service_id: PARTNER,
});

const PARTNER_CODE = {
  usable: { type: 'boolean', const: true }, user_reward_id: uuid, reward_id: uuid, reward_code: str, reward_name: str, reward_type: str,
  partner_reward_id: nullable('string'), value: cents, currency: str, expires_at: maybeTime,
};

const SETTINGS = object({ code_failures_per_minute: int, use_rollback_hours: int, expiry_reminder_days: arrayOf(int) });

const MOVEMENT = object({
  id: int, reward_id: uuid, delta: int, stock_total_after: nullable('integer'), kind: oneOfStrings('set', 'redemption', 'returned', 'issue'), reason: str,
  redemption_id: maybeUuid, actor: str, created_at: time,
});

/** The service's own problem codes an operation answers with (statuses from its code table); the gateway adds the platform's. */
const p = (...codes: RewardErrorCode[]) => openapi.problems(statusOf, ...codes);

export const RESPONSES: Record<string, DeclaredResponse> = {
  'RewardsController.list': { errors: {}, summary: 'The reward catalogue (with eligibility for a signed-in resident)', schema: page(REWARD) },
  'RewardsController.get': { errors: p('reward_not_found'), summary: 'One reward', schema: REWARD },
  'RewardsController.movements': { errors: p('reward_not_found'), operationId: 'rewardsStockMovements', summary: "A reward's stock movements, newest first (the last 100)", schema: list(MOVEMENT) },
  'RewardsController.create': { errors: p('reward_code_taken', 'unknown_tier'), summary: 'Add a reward to the catalogue (admin)', schema: REWARD },
  'RewardsController.update': { errors: p('reward_not_found', 'limit_below_used', 'reward_code_taken', 'unknown_tier'), summary: 'Change a reward (admin; a stock change needs stock_reason)', schema: REWARD },
  'UserRewardsController.redeem': { errors: p('forbidden', 'reward_not_found', 'reward_unavailable', 'limit_reached', 'out_of_stock', 'tier_too_low', 'insufficient_points', 'redemption_refused'), operationId: 'userRewardsRedeem',
    summary: 'Redeem a reward with points: 201 issued, 202 pending (finished by a worker)',
    schema: object({ redemption_id: uuid, status: oneOfStrings('issued', 'pending'), reward_id: uuid, user_id: uuid, user_reward: { anyOf: [USER_REWARD, { type: 'null' }] } }),
    alsoStatuses: [202],
  },
  'UserRewardsController.list': { errors: {}, operationId: 'userRewardsList', summary: "A resident's rewards, newest first", schema: page(USER_REWARD) },
  'UserRewardsController.get': { errors: p('user_reward_not_found'), operationId: 'userRewardsGet', summary: "One of a resident's rewards", schema: USER_REWARD },
  'UserRewardsController.cancel': { errors: p('user_reward_not_found', 'reward_not_cancellable', 'redemption_refused', 'wallet_unavailable'), operationId: 'userRewardsCancel', summary: "Cancel a resident's issued reward (points back when refundable)", schema: USER_REWARD },
  'RewardCodesController.validate': { errors: p('partner_only', 'code_not_usable', 'already_used', 'code_expired', 'code_cancelled', 'too_many_failed_validations'), operationId: 'rewardCodesValidate', summary: 'Check a reward code (partners; no side effect)', schema: object(PARTNER_CODE) },
  'RewardCodesController.use': { errors: p('partner_only', 'code_not_usable', 'already_used', 'code_expired', 'code_cancelled', 'too_many_failed_validations'), operationId: 'rewardCodesUse', summary: 'Use a reward code once (partners)', schema: object({ use_id: uuid, used_at: time, ...PARTNER_CODE }) },
  'RewardCodesController.rollback': { errors: p('partner_only', 'use_not_found', 'use_already_rolled_back', 'rollback_window_passed'), operationId: 'rewardCodesRollbackUse',
    summary: 'Roll back a use of a code within the rollback window (partners)',
    schema: object({ use_id: uuid, rolled_back: { type: 'boolean', const: true }, reason: str, user_reward_id: uuid, status: oneOfStrings('issued') }),
  },
  'AdminController.getSettings': { errors: {}, summary: 'Reward settings (admin)', schema: SETTINGS },
  'AdminController.putSettings': { errors: {}, summary: 'Replace the reward settings (admin)', schema: SETTINGS },
  'AdminController.issue': { errors: p('reward_not_found', 'out_of_stock'), operationId: 'userRewardsIssue', summary: 'Give a resident a reward at no cost (admin; takes stock)', schema: USER_REWARD },
};
