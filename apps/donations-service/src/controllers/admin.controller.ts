import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Tx } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { CancelCampaignDto } from '../dtos/campaign.dto';
import { CreateDisbursementDto, RefundDonationDto, RejectDisbursementDto, RetryPayoutDto } from '../dtos/donation.dto';
import { AdminActions } from '../services/admin-actions.service';
import { DisbursementService } from '../services/disbursement.service';
import { Actor, IdParam } from './params';

/** Money going back or out: refunds, cancellations, disbursements (admins only, at the gateway). */
@Controller('v1/donations')
export class AdminMoneyController {
  constructor(private readonly actions: AdminActions, private readonly disbursements: DisbursementService) {}

  /** 200 refunded, or 202 with `refund_status: pending` when the wallet could not be asked (a worker finishes it with the same keys). */
  @Post(':id/refund') @HttpCode(200)
  async refund(@Tx() m: EntityManager, @IdParam('id') id: string, @Body() dto: RefundDonationDto, @Actor() by: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.actions.refund(m, id, dto.reason, by));
  }

  /** 200 cancelled, or 202 `cancelling` when the wallet could not be asked (a worker finishes it: the same keys, a redirect's body unchanged). */
  @Post('campaigns/:id/cancel') @HttpCode(200)
  async cancel(@Tx() m: EntityManager, @IdParam('id') id: string, @Body() dto: CancelCampaignDto, @Actor() by: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.actions.cancel(m, id, dto, by));
  }
  /** 201 `requested`, or 202 `pending` when the wallet could not be asked for the campaign's balance: the worker checks it. */
  @Post('campaigns/:id/disbursements')
  async request(@Tx() m: EntityManager, @IdParam('id') id: string, @Body() dto: CreateDisbursementDto, @Actor() by: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.actions.requestDisbursement(m, id, dto, by));
  }
  @Get('campaigns/:id/disbursements') list(@IdParam('id') id: string) { return this.disbursements.list(id); }
  @Get('disbursements/:id') get(@IdParam('id') id: string) { return this.disbursements.get(id); }
  /** 200 `processing` (the money is in payout clearing), or 202 `approved` when the wallet could not be asked: the worker makes the move with the same key. */
  @Post('disbursements/:id/approve') @HttpCode(200)
  async approve(@Tx() m: EntityManager, @IdParam('id') id: string, @Actor() by: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.actions.approveDisbursement(m, id, by));
  }
  /** A payout in `needs_review` sent back to the payout worker: asked again by reference, resent only with the same key. */
  @Post('disbursements/:id/retry-payout') @HttpCode(200)
  retryPayout(@Tx() m: EntityManager, @IdParam('id') id: string, @Body() dto: RetryPayoutDto, @Actor() by: string) { return this.disbursements.retryPayout(m, id, by, dto.note); }
  @Post('disbursements/:id/reject') @HttpCode(200) reject(@Tx() m: EntityManager, @IdParam('id') id: string, @Body() dto: RejectDisbursementDto, @Actor() by: string) { return this.actions.rejectDisbursement(m, id, by, dto.reason); }
}

function answer<T>(reply: FastifyReply, out: { pending: boolean; body: T }): T {
  if (out.pending) void reply.status(202);
  return out.body;
}
