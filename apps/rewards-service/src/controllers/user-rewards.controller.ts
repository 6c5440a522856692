import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { Caller, idempotentRequestOf, type ServiceCaller } from '@wozamali/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JsonBody } from '../dtos/json-body';
import { CancelUserRewardDto, ListUserRewardsQuery, RedeemDto } from '../dtos/redemption.dto';
import { LifecycleService } from '../services/lifecycle.service';
import { RedemptionService } from '../services/redemption.service';
import { replyWith } from '../services/replayable';
import { UserRewardsService } from '../services/user-rewards.service';

const UserId = () => Param('user_id', new ParseUUIDPipe());
const Id = () => Param('id', new ParseUUIDPipe());

@Controller('v1/users/:user_id/rewards')
export class UserRewardsController {
  constructor(private readonly redemptions: RedemptionService, private readonly userRewards: UserRewardsService, private readonly lifecycle: LifecycleService) {}

  /** 201 issued, 202 pending (the worker finishes it), 200 on a replay of an issued one. */
  @Post() async redeem(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @UserId() userId: string, @JsonBody() dto: RedeemDto, @Caller() c: ServiceCaller | null) {
    const answer = await this.redemptions.redeem(idempotentRequestOf(req), userId, dto.reward_id, c?.principal ?? null);
    void reply.status(answer.status);
    if (answer.status === 200) void reply.header('idempotent-replayed', 'true');
    return answer.body;
  }

  @Get() list(@UserId() userId: string, @Query() q: ListUserRewardsQuery, @Caller() c: ServiceCaller | null) { return this.userRewards.list(userId, q, c?.principal ?? null); }
  @Get(':id') get(@UserId() userId: string, @Id() id: string, @Caller() c: ServiceCaller | null) { return this.userRewards.get(userId, id, c?.principal ?? null); }
  @Post(':id/cancel') @HttpCode(200) async cancel(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @UserId() userId: string, @Id() id: string, @JsonBody() dto: CancelUserRewardDto, @Caller() c: ServiceCaller | null) {
    return replyWith(reply, await this.lifecycle.cancel(idempotentRequestOf(req), userId, id, dto.reason, c?.principal ?? null));
  }
}
