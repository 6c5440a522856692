import { Readable } from 'node:stream';
import { Body, Controller, createParamDecorator, Get, Headers, Injectable, Param, Put, Query, StreamableFile, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import { callerOf, idempotencyScopeOf } from '@wozamali/platform';
import type { FastifyRequest } from 'fastify';
import { LeaderboardQueryDto, PutImpactFactorsDto, ReconciliationQueryDto, SeriesQueryDto, DateRangeDto } from '../dtos/metrics.dto';
import { MetricsException } from '../errors/metrics.exception';
import { MetricsQueryService } from '../services/metrics-query.service';
import { ReconciliationService } from '../services/reconciliation.service';

/** Path ids are UUIDs (lower-cased); anything else is a 400 `invalid_id`, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new MetricsException('invalid_id', 'user_id must be a UUID');
    return value.toLowerCase();
  }
}

/** Who made a change: the principal in the verified service token (never a plain header). */
const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => idempotencyScopeOf(ctx.switchToHttp().getRequest<FastifyRequest>()));

/** The signed-in end user the gateway put in the verified service token (null when none). */
const Caller = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | null => {
  const principal = callerOf(ctx.switchToHttp().getRequest<FastifyRequest>())?.principal;
  return principal?.type === 'user' ? principal.userId.toLowerCase() : null;
});

const wantsCsv = (accept: string | undefined) => typeof accept === 'string' && /(^|,)\s*text\/csv\b/i.test(accept);

function csvFile(pages: AsyncGenerator<string>, name: string): StreamableFile {
  return new StreamableFile(Readable.from(pages, { objectMode: false }), { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${name}"` });
}

/** Admin reads (the gateway keeps them to admins); `Accept: text/csv` exports a series. */
@Controller('v1/metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsQueryService, private readonly reconciliation: ReconciliationService) {}

  /** A day's figures against the ledger's transfers, per user and asset; differences listed. */
  @Get('reconciliation')
  reconcile(@Query() q: ReconciliationQueryDto) {
    return this.reconciliation.reconcile(q.date);
  }

  /** The seed's platform statistics: the programme's series (as `system`). */
  @Get()
  root(@Query() q: SeriesQueryDto, @Headers('accept') accept?: string) {
    return this.system(q, accept);
  }

  @Get('users/:user_id')
  user(@Param('user_id', UuidPipe) userId: string, @Query() q: SeriesQueryDto, @Headers('accept') accept?: string) {
    if (wantsCsv(accept)) return csvFile(this.metrics.csv(userId, q), `metrics-user-${userId}-${q.from}-${q.to}.csv`);
    return this.metrics.userSeries(userId, q);
  }

  @Get('system')
  system(@Query() q: SeriesQueryDto, @Headers('accept') accept?: string) {
    if (wantsCsv(accept)) return csvFile(this.metrics.csv(null, q), `metrics-system-${q.from}-${q.to}.csv`);
    return this.metrics.systemSeries(q);
  }

  @Get('impact')
  impact(@Query() q: DateRangeDto) {
    return this.metrics.impact(q);
  }

  @Get('leaderboard')
  leaderboard(@Query() q: LeaderboardQueryDto, @Caller() caller: string | null) {
    return this.metrics.leaderboard(q, caller);
  }

  @Get('impact-factors')
  impactFactors() {
    return this.metrics.impactFactors();
  }

  @Put('impact-factors')
  putImpactFactors(@Body() dto: PutImpactFactorsDto, @Actor() actor: string) {
    return this.metrics.putImpactFactors(dto, actor);
  }
}

/** A resident's own figures (the gateway lets a resident reach only their own id). */
@Controller('v1/users')
export class UserMetricsController {
  constructor(private readonly metrics: MetricsQueryService) {}

  @Get(':user_id/metrics')
  user(@Param('user_id', UuidPipe) userId: string, @Query() q: SeriesQueryDto) {
    return this.metrics.userSeries(userId, q);
  }
}
