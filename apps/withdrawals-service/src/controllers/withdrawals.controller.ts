import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Req } from '@nestjs/common';
import { DisbursementPayoutService } from '../services/disbursement-payout.service';
import { Caller, idempotencyKeyOf, idempotencyScopeOf, Tx, type ServiceCaller } from '@wozamali/platform';
import type { FastifyRequest } from 'fastify';
import type { EntityManager } from 'typeorm';
import { CreateWithdrawalDto, DecisionDto, DisbursementPayoutDto, DisbursementPayoutsQuery, ListWithdrawalsQuery, ReconciliationsQuery, WithdrawalSettingsDto } from '../dtos/withdrawal.dto';
import { PayoutService } from '../services/payout.service';
import { whoOf } from '../services/principal';
import { WithdrawalService } from '../services/withdrawal.service';
import { answerWith } from './answer-status';
import { CALLBACK_ROUTE, rawBodyOf } from './callback-hooks';

const UserId = () => Param('user_id', new ParseUUIDPipe());
const Id = () => Param('id', new ParseUUIDPipe());

/** A resident's withdrawals (the gateway lets a resident reach only their own `user_id`). */
@Controller('v1/users/:user_id/withdrawals')
export class UserWithdrawalsController {
  constructor(private readonly withdrawals: WithdrawalService) {}

  @Post()
  async create(@Tx() m: EntityManager, @Req() req: FastifyRequest, @Caller() c: ServiceCaller | null, @UserId() userId: string, @Body() dto: CreateWithdrawalDto) {
    const answer = await this.withdrawals.request(m, whoOf(c), userId, dto, { scope: idempotencyScopeOf(req), key: idempotencyKeyOf(req) });
    answerWith(req, answer.status);
    return answer.body;
  }

  @Get() list(@Caller() c: ServiceCaller | null, @UserId() userId: string, @Query() q: ListWithdrawalsQuery) { return this.withdrawals.listForUser(whoOf(c), userId, q); }
  @Get(':id') get(@Caller() c: ServiceCaller | null, @UserId() userId: string, @Id() id: string) { return this.withdrawals.getForUser(whoOf(c), userId, id); }
  @Post(':id/cancel') @HttpCode(200) cancel(@Tx() m: EntityManager, @Caller() c: ServiceCaller | null, @UserId() userId: string, @Id() id: string) { return this.withdrawals.cancel(m, whoOf(c), userId, id); }
}

/** The office's side: every withdrawal, decisions, limits. */
@Controller('v1/withdrawals')
export class AdminWithdrawalsController {
  constructor(private readonly withdrawals: WithdrawalService, private readonly payouts: PayoutService) {}

  @Get() list(@Query() q: ListWithdrawalsQuery) { return this.withdrawals.listAll(q); }
  @Get('limits') limits() { return this.withdrawals.settings(); }
  @Put('limits') saveLimits(@Caller() c: ServiceCaller | null, @Body() dto: WithdrawalSettingsDto) { return this.withdrawals.saveSettings(whoOf(c), dto); }
  @Get(':id') get(@Id() id: string) { return this.withdrawals.get(id); }
  @Post(':id/approve') @HttpCode(200) approve(@Tx() m: EntityManager, @Caller() c: ServiceCaller | null, @Id() id: string, @Body() dto: DecisionDto) { return this.withdrawals.approve(m, whoOf(c), id, dto.note); }
  @Post(':id/retry-payout') @HttpCode(200) retryPayout(@Tx() m: EntityManager, @Caller() c: ServiceCaller | null, @Id() id: string, @Body() dto: DecisionDto) { return this.payouts.retryPayout(m, whoOf(c), id, dto.note); }
  @Post(':id/reject') @HttpCode(200) reject(@Tx() m: EntityManager, @Caller() c: ServiceCaller | null, @Id() id: string, @Body() dto: DecisionDto) { return this.withdrawals.reject(m, whoOf(c), id, dto.note); }
}

/** The payment provider's signed callbacks (the gateway passes this one route without an API key; the signature is checked here). */
@Controller()
export class PayoutCallbackController {
  constructor(private readonly payouts: PayoutService) {}

  @Post(CALLBACK_ROUTE.slice(1)) @HttpCode(200)
  callback(@Tx() m: EntityManager, @Req() req: FastifyRequest) {
    const h = req.headers;
    const one = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);
    return this.payouts.callback(m, rawBodyOf(req), { 'webhook-id': one(h['webhook-id']), 'webhook-timestamp': one(h['webhook-timestamp']), 'webhook-signature': one(h['webhook-signature']) });
  }
}

/** The daily reconciliations, for admins. */
@Controller('v1/withdrawals/reconciliations')
export class ReconciliationsController {
  constructor(private readonly payouts: PayoutService) {}

  @Get() list(@Query() q: ReconciliationsQuery) { return this.payouts.reconciliations(q.limit ?? 30, q.day); }
}

/** The donations-service's way into the payout pipeline (its caller table entry only): a disbursement's payout, idempotent on its id. */
@Controller('internal/v1/disbursement-payouts')
export class DisbursementPayoutsController {
  constructor(private readonly payouts: DisbursementPayoutService) {}

  @Put(':id') register(@Id() id: string, @Body() dto: DisbursementPayoutDto) { return this.payouts.register(id, dto); }
  @Put(':id/release') release(@Id() id: string) { return this.payouts.release(id); }
  @Put(':id/cancel') cancel(@Id() id: string) { return this.payouts.cancel(id); }
  @Put(':id/retry') retry(@Id() id: string) { return this.payouts.retry(id); }
  @Get() many(@Query() q: DisbursementPayoutsQuery) { return this.payouts.many(q.ids.split(',')); }
}
