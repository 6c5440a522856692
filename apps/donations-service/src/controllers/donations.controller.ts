import { Body, Controller, Get, Header, Post, Query, Res } from '@nestjs/common';
import { Tx } from '@wozamali/platform';
import type { FastifyReply } from 'fastify';
import type { EntityManager } from 'typeorm';
import { AdminListQuery, CreateDonationDto, ExportQuery, PageQuery, ReceiptQuery } from '../dtos/donation.dto';
import { DonationQueries } from '../services/donation-queries.service';
import { DonationService } from '../services/donation.service';
import { ReceiptService } from '../services/receipt.service';
import { IdParam, WriteKey } from './params';

/** A resident's own donations (the gateway lets only them and admins reach `{user_id}`). */
@Controller('v1/users/:user_id/donations')
export class UserDonationsController {
  constructor(private readonly donations: DonationService, private readonly queries: DonationQueries, private readonly receipts: ReceiptService) {}

  @Post()
  async donate(@Tx() m: EntityManager, @WriteKey() w: { scope: string; key: string }, @IdParam('user_id') userId: string, @Body() dto: CreateDonationDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const out = await this.donations.donate(m, w.scope, w.key, userId, dto);
    if (out.pending) void reply.status(202);
    return out.body;
  }

  @Get() list(@IdParam('user_id') userId: string, @Query() q: PageQuery) { return this.queries.ownList(userId, q.limit ?? 20, q.cursor); }
  @Get(':id') get(@IdParam('user_id') userId: string, @IdParam('id') id: string) { return this.queries.own(userId, id); }
  @Get(':id/receipt') receipt(@IdParam('user_id') userId: string, @IdParam('id') id: string, @Query() q: ReceiptQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.receipts.document(id, userId).then((doc) => (q.format === 'html' ? html(reply, this.receipts.html(doc)) : doc));
  }
}

/** Admin reads of any donation and the receipts export. */
@Controller('v1/donations')
export class AdminDonationsController {
  constructor(private readonly queries: DonationQueries, private readonly receipts: ReceiptService) {}

  @Get('receipts/export') @Header('content-type', 'text/csv; charset=utf-8')
  export(@Query() q: ExportQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    void reply.header('content-disposition', `attachment; filename="receipts-${q.tax_year}.csv"`);
    return this.receipts.exportCsv(q.tax_year);
  }

  @Get() list(@Query() q: AdminListQuery) { return this.queries.all(q.campaign_id, q.status, q.limit ?? 20, q.cursor); }
  @Get(':id') get(@IdParam('id') id: string) { return this.queries.any(id); }
  @Get(':id/receipt') receipt(@IdParam('id') id: string, @Query() q: ReceiptQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.receipts.document(id, null).then((doc) => (q.format === 'html' ? html(reply, this.receipts.html(doc)) : doc));
  }
}

function html(reply: FastifyReply, page: string): string {
  void reply.header('content-type', 'text/html; charset=utf-8');
  return page;
}
