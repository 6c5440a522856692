import { fieldProblems, type EventDefinition } from './event-definition';
import { DonationEvents } from './donation-events';
import { MetricsEvents } from './metrics-events';
import { RewardEvents } from './reward-events';
import { WalletEvents } from './wallet-events';
import { WebhookEvents } from './webhook-events';
import { WithdrawalEvents } from './withdrawal-events';

export * from './event-definition';
export * from './wallet-events';
export * from './reward-events';
export * from './donation-events';
export * from './withdrawal-events';
export * from './metrics-events';
export * from './webhook-events';

/**
 * Every event type of the platform, one file per publishing domain. Amounts are integers in minor
 * units (cents, points); `currency` names the money's currency.
 */
export const EventDefinitions = {
  ...WalletEvents,
  ...RewardEvents,
  ...DonationEvents,
  ...WithdrawalEvents,
  ...MetricsEvents,
  ...WebhookEvents,
} as const;

export type EventType = keyof typeof EventDefinitions;

/** The data interface of an event type, e.g. `EventData<'wallet_update'>` is `WalletUpdateData`. */
export type EventData<T extends EventType> = (typeof EventDefinitions)[T] extends EventDefinition<string, infer D> ? D : never;

/** A known event type with its typed data: what a producer writes to the outbox. */
export type TypedEvent<T extends EventType = EventType> = { [K in T]: { type: K; data: EventData<K> } }[T];

export function isKnownEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EventDefinitions, type);
}

/**
 * Validates a known event type's data; returns the problems (empty when valid). With `only`, only
 * those fields are checked (a tolerant reader checks what it reads); names the type does not
 * define are ignored.
 */
export function eventDataProblems(type: EventType, data: unknown, only?: readonly string[]): string[] {
  return fieldProblems(EventDefinitions[type].fields, data, only);
}
