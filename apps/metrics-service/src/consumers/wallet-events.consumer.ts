import { Controller } from '@nestjs/common';
import { InboxHandler, type InboxMessage } from '@wozamali/messaging';
import { FACT_READS } from '../domain/facts';
import { MetricsService } from '../services/metrics.service';

/**
 * parse → inbox guard → service, in one transaction (the inbox transport does the first two). These
 * serve the one-by-one path and name the fields read; a Kafka batch goes to `MetricsService.apply`
 * whole (see main.ts), so each row it touches is recomputed once per batch.
 */
@Controller()
export class WalletEventsConsumer {
  constructor(private readonly metrics: MetricsService) {}

  @InboxHandler('wallet_update', FACT_READS.wallet_update)
  walletUpdate({ envelope, manager }: InboxMessage) {
    return this.metrics.apply(manager, [envelope]);
  }

  @InboxHandler('collection_recorded', FACT_READS.collection_recorded)
  collectionRecorded({ envelope, manager }: InboxMessage) {
    return this.metrics.apply(manager, [envelope]);
  }
}
