import { Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { Caller, idempotencyKeyOf, idempotentRequestOf, type ServiceCaller } from '@wozamali/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JsonBody } from '../dtos/json-body';
import { CodeDto, RollbackUseDto } from '../dtos/redemption.dto';
import { CodeService } from '../services/code.service';
import { replyWith } from '../services/replayable';

/** Partners (service keys with `rewards: use_codes`) check, use and roll back uses of their rewards' codes. */
@Controller('v1/reward-codes')
export class RewardCodesController {
  constructor(private readonly codes: CodeService) {}

  /** No side effect (nothing to replay): the key is required like on every POST, the answer is the code's state now. */
  @Post('validate') @HttpCode(200) validate(@Req() req: FastifyRequest, @JsonBody() dto: CodeDto, @Caller() c: ServiceCaller | null) {
    idempotencyKeyOf(req);
    return this.codes.validate(dto.code, c?.principal ?? null);
  }

  @Post('use') @HttpCode(200) async use(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @JsonBody() dto: CodeDto, @Caller() c: ServiceCaller | null) {
    return replyWith(reply, await this.codes.use(idempotentRequestOf(req), dto.code, c?.principal ?? null));
  }

  @Post('uses/:id/rollback') @HttpCode(200) async rollback(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('id', new ParseUUIDPipe()) id: string, @JsonBody() dto: RollbackUseDto, @Caller() c: ServiceCaller | null) {
    return replyWith(reply, await this.codes.rollback(idempotentRequestOf(req), id, dto.reason, c?.principal ?? null));
  }
}
