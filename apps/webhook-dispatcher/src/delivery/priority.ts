import type { EventType } from '@wozamali/contracts';

/** Lower goes first: money moves before points and rewards, which go before metrics. */
export function deliveryPriority(type: EventType): number {
  switch (type) {
    case 'wallet_update':
    case 'withdrawal_request':
    case 'withdrawal_update':
    case 'donation_create':
    case 'collection_recorded':
      return 0;
    case 'points_update':
    case 'tier_update':
    case 'reward_issue':
    case 'reward_redeemed':
    case 'reward_expired':
    case 'campaign_update':
    case 'campaign_completed':
      return 1;
    case 'webhook_delivery_failed':
    case 'metrics_update':
      return 2;
  }
}
