import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { Tx } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { CreateCampaignDto, ListCampaignsQuery, UpdateCampaignDto } from '../dtos/campaign.dto';
import { PageQuery } from '../dtos/donation.dto';
import { CampaignService } from '../services/campaign.service';
import { DonationQueries } from '../services/donation-queries.service';
import { IdParam, withRequestId } from './params';

@Controller('v1/donations/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignService, private readonly queries: DonationQueries) {}

  @Post() create(@Tx() m: EntityManager, @Body() dto: CreateCampaignDto) { return this.campaigns.create(m, dto); }
  @Get() list(@Query() q: ListCampaignsQuery) { return this.campaigns.list(q.status); }
  @Get(':id') get(@IdParam('id') id: string) { return this.campaigns.get(id); }
  @Patch(':id') update(@IdParam('id') id: string, @Body() dto: UpdateCampaignDto) { return this.queries.inTransaction((t) => this.campaigns.update(t.manager, withRequestId(t.emit), id, dto)); }
  @Get(':id/donations') donations(@IdParam('id') id: string, @Query() q: PageQuery) { return this.queries.publicList(id, q.limit ?? 20, q.cursor); }
  @Get(':id/top-donors') top(@IdParam('id') id: string, @Query() q: PageQuery) { return this.queries.topDonors(id, q.limit ?? 10); }
}
