import { Topics, type Topic } from './topics';
import { isUuid } from './uuid';

type FieldKind = 'uuid' | 'int' | 'string' | 'iso-date' | 'object' | 'array' | 'boolean';
type FieldSpec = FieldKind | `${FieldKind}?` | `${FieldKind}|null`;

/** A versioned event type: where it is published and the fields its `data` must carry. */
export interface EventDefinition {
  type: string;
  version: number;
  topic: Topic;
  fields: Record<string, FieldSpec>;
}

function define(type: string, topic: Topic, fields: Record<string, FieldSpec>, version = 1): EventDefinition {
  return { type, version, topic, fields };
}

// Amounts are integers in minor units (cents, points); `currency` names the money asset.
export const EventDefinitions = {
  /** A user's money or points balance changed (seed fields + currency + transfer id). */
  wallet_update: define('wallet_update', Topics.wallet, {
    user_id: 'uuid', wallet_id: 'uuid', transfer_id: 'uuid', kind: 'string', currency: 'string',
    balance_change: 'int', points_change: 'int', description: 'string', new_balance: 'int', new_points: 'int',
  }),
  /** Points earned or spent. */
  points_update: define('points_update', Topics.wallet, {
    user_id: 'uuid', transfer_id: 'uuid', kind: 'string', points_change: 'int', new_points: 'int',
    lifetime_points: 'int', reason: 'string',
  }),
  /** A user's tier changed (lifetime points crossed a threshold). */
  tier_update: define('tier_update', Topics.wallet, {
    user_id: 'uuid', previous_tier: 'string', new_tier: 'string', lifetime_points: 'int',
  }),
  /** A weighed collection was credited. */
  collection_recorded: define('collection_recorded', Topics.wallet, {
    collection_id: 'uuid', user_id: 'uuid', collector_id: 'uuid|null', transfer_id: 'uuid', collected_at: 'iso-date',
    rate_card_version: 'int', points: 'int', amount: 'int', fund_amount: 'int', currency: 'string',
    total_grams: 'int', materials: 'array', impact: 'object',
  }),
  reward_issue: define('reward_issue', Topics.rewards, { user_id: 'uuid', user_reward_id: 'uuid', reward_code: 'string' }),
  reward_redeemed: define('reward_redeemed', Topics.rewards, { user_id: 'uuid', user_reward_id: 'uuid', reward_code: 'string' }),
  reward_expired: define('reward_expired', Topics.rewards, { user_id: 'uuid', user_reward_id: 'uuid', reward_code: 'string' }),
  donation_create: define('donation_create', Topics.donations, { user_id: 'uuid', donation_id: 'uuid', campaign_id: 'uuid' }),
  campaign_update: define('campaign_update', Topics.donations, { campaign_id: 'uuid', status: 'string' }),
  campaign_completed: define('campaign_completed', Topics.donations, { campaign_id: 'uuid' }),
  withdrawal_request: define('withdrawal_request', Topics.withdrawals, { user_id: 'uuid', withdrawal_id: 'uuid', amount: 'int', currency: 'string', method: 'string' }),
  withdrawal_update: define('withdrawal_update', Topics.withdrawals, { user_id: 'uuid', withdrawal_id: 'uuid', status: 'string' }),
  metrics_update: define('metrics_update', Topics.metrics, { date: 'string' }),
  webhook_delivery_failed: define('webhook_delivery_failed', Topics.webhooks, { endpoint_id: 'uuid', event_id: 'uuid' }),
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EventDefinitions;

export function isKnownEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EventDefinitions, type);
}

function kindProblem(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'uuid': return !isUuid(value);
    case 'int': return !Number.isSafeInteger(value);
    case 'string': return typeof value !== 'string';
    case 'iso-date': return typeof value !== 'string' || Number.isNaN(Date.parse(value));
    case 'object': return typeof value !== 'object' || value === null || Array.isArray(value);
    case 'array': return !Array.isArray(value);
    case 'boolean': return typeof value !== 'boolean';
  }
}

/**
 * Validates a known event type's data against its contract; returns the problems (empty when
 * valid). With `only`, just those fields are checked: a consumer checks what it reads (a tolerant
 * reader), the producer's tests check everything.
 */
export function eventDataProblems(type: EventType, data: unknown, only?: readonly string[]): string[] {
  if (typeof data !== 'object' || data === null) return ['data must be an object'];
  const record = data as Record<string, unknown>;
  const problems: string[] = [];
  const fields = EventDefinitions[type].fields as Record<string, FieldSpec>;
  for (const [field, spec] of Object.entries(fields)) {
    if (only && !only.includes(field)) continue;
    const value = record[field];
    const optional = spec.endsWith('?');
    const nullable = spec.endsWith('|null');
    const kind = spec.replace(/\?$|\|null$/, '') as FieldKind;
    if (value === undefined && optional) continue;
    if (value === null && nullable) continue;
    if (kindProblem(kind, value)) problems.push(`${field} must be ${spec}`);
  }
  return problems;
}

/** Typed payloads of the wallet events (the others are typed when their service is built). */
export interface WalletUpdateData {
  user_id: string;
  wallet_id: string;
  transfer_id: string;
  kind: string;
  currency: string;
  balance_change: number;
  points_change: number;
  description: string;
  new_balance: number;
  new_points: number;
}
