import { Controller } from '@nestjs/common';
import { InboxHandler, type InboxMessage } from '@wozamali/messaging';
import { FACT_READS } from '../domain/facts';
import { MetricsService } from '../services/metrics.service';

/**
 * The rewards', donations' and withdrawals' events that count (see `factOf`), one by one; a Kafka
 * batch goes to `MetricsService.apply` whole (main.ts). Each names only the fields it reads, so a
 * field the producer adds later never dead-letters an event here.
 */
@Controller()
export class DomainEventsConsumer {
  constructor(private readonly metrics: MetricsService) {}

  @InboxHandler('reward_issue', FACT_READS.reward_issue)
  rewardIssue({ envelope, manager }: InboxMessage) {
    return this.metrics.apply(manager, [envelope]);
  }

  @InboxHandler('reward_cancelled', FACT_READS.reward_cancelled)
  rewardCancelled({ envelope, manager }: InboxMessage) {
    return this.metrics.apply(manager, [envelope]);
  }

  @InboxHandler('donation_create', FACT_READS.donation_create)
  donationCreate({ envelope, manager }: InboxMessage) {
    return this.metrics.apply(manager, [envelope]);
  }

  @InboxHandler('donation_refunded', FACT_READS.donation_refunded)
  donationRefunded({ envelope, manager }: InboxMessage) {
    return this.metrics.apply(manager, [envelope]);
  }

  @InboxHandler('withdrawal_update', FACT_READS.withdrawal_update)
  withdrawalUpdate({ envelope, manager }: InboxMessage) {
    return this.metrics.apply(manager, [envelope]);
  }
}
