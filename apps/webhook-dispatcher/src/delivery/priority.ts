import type { EventType } from '@wozamali/contracts';

/** Lower goes first: money moves before points and rewards, which go before metrics. */
export function deliveryPriority(type: EventType): number {
  switch (type) {
    case 'wallet_update':
    case 'withdrawal_request':
    case 'withdrawal_update':
    case 'donation_create':
    case 'donation_refunded':
    case 'disbursement_update':
    case 'collection_recorded':
      return 0;
    case 'points_update':
    case 'tier_update':
    case 'reward_issue':
    case 'reward_used':
    case 'reward_expiring':
    case 'reward_expired':
    case 'reward_cancelled':
    case 'campaign_update':
    case 'campaign_completed':
      return 1;
    case 'webhook_delivery_failed':
    case 'reward_code_rate_limited':
    case 'metrics_update':
      return 2;
  }
}
