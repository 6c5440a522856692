import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import type { WalletUpdateData } from '@wozamali/contracts';
import type { InboxMessage } from '@wozamali/messaging';
import { MetricsService } from '../services/metrics.service';

/** parse → inbox guard → service, in one transaction (the inbox transport does the first two). */
@Controller()
export class WalletEventsConsumer {
  constructor(private readonly metrics: MetricsService) {}

  @EventPattern('wallet_update')
  walletUpdate({ envelope, manager }: InboxMessage<WalletUpdateData>) {
    return this.metrics.applyWalletUpdate(manager, envelope);
  }

  @EventPattern('collection_recorded')
  collectionRecorded({ envelope, manager }: InboxMessage<{ user_id: string; total_grams: number; fund_amount: number; impact: { co2_avoided_g?: number } }>) {
    return this.metrics.applyCollection(manager, envelope);
  }
}
