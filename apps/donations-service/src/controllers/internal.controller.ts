import { Controller, Get } from '@nestjs/common';
import { DonationQueries } from '../services/donation-queries.service';
import { IdParam } from './params';

/**
 * For the rewards-service only (callers table): who made a donation. Events never carry an
 * anonymous donor's user id, so the donor badge asks here, over a signed service call.
 */
@Controller('internal/v1/donations')
export class InternalDonationsController {
  constructor(private readonly queries: DonationQueries) {}

  @Get(':id/donor') donor(@IdParam('id') id: string) { return this.queries.donorOf(id); }
}
