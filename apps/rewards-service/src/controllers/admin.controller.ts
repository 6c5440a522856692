import { Controller, Get, Param, ParseUUIDPipe, Post, Put, Req, Res } from '@nestjs/common';
import { Caller, idempotentRequestOf, type ServiceCaller } from '@wozamali/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminIssueDto, RewardSettingsDto } from '../dtos/admin.dto';
import { JsonBody } from '../dtos/json-body';
import { SettingsRepository } from '../repositories/settings.repository';
import { AdminIssueService } from '../services/admin-issue.service';
import { replyWith } from '../services/replayable';

/** Admin only (the gateway's route table): settings that are data, and rewards given at no cost. */
@Controller()
export class AdminController {
  constructor(private readonly settings: SettingsRepository, private readonly issues: AdminIssueService) {}

  @Get('v1/rewards/settings') getSettings() { return this.settings.get(); }

  /** Replaces the settings (PUT: idempotent by itself, no key needed). */
  @Put('v1/rewards/settings') putSettings(@JsonBody() dto: RewardSettingsDto, @Caller() c: ServiceCaller | null) {
    return this.settings.put({ code_failures_per_minute: dto.code_failures_per_minute, use_rollback_hours: dto.use_rollback_hours, expiry_reminder_days: [...dto.expiry_reminder_days].sort((a, b) => b - a) }, c?.principal ?? null);
  }

  /** 201 issued (200 on a replay); 409 `out_of_stock` when the reward's stock is gone. */
  @Post('v1/users/:user_id/rewards/issue') async issue(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Param('user_id', new ParseUUIDPipe()) userId: string, @JsonBody() dto: AdminIssueDto, @Caller() c: ServiceCaller | null) {
    const answer = await this.issues.issue(idempotentRequestOf(req), userId, dto.reward_id, dto.reason, c?.principal ?? null);
    void reply.status(answer.replayed ? 200 : 201);
    return replyWith(reply, answer);
  }
}
