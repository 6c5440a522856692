import { Controller } from '@nestjs/common';
import type { WalletUpdateData } from '@wozamali/contracts';
import { InboxHandler, type InboxMessage } from '@wozamali/messaging';
import { MetricsService } from '../services/metrics.service';

/** parse → inbox guard → service, in one transaction (the inbox transport does the first two). */
@Controller()
export class WalletEventsConsumer {
  constructor(private readonly metrics: MetricsService) {}

  @InboxHandler('wallet_update', ['user_id', 'balance_change', 'points_change'])
  walletUpdate({ envelope, manager }: InboxMessage<WalletUpdateData>) {
    return this.metrics.applyWalletUpdate(manager, envelope);
  }

  @InboxHandler('collection_recorded', ['user_id', 'total_grams', 'fund_amount', 'impact'])
  collectionRecorded({ envelope, manager }: InboxMessage<{ user_id: string; total_grams: number; fund_amount: number; impact: { co2_avoided_g?: number } }>) {
    return this.metrics.applyCollection(manager, envelope);
  }
}
