import { Controller, Get, Param, Query } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import { DomainException } from '@wozamali/platform';
import { IsISO8601, IsOptional, Matches } from 'class-validator';
import { MetricsService } from '../services/metrics.service';

export class DateRangeDto {
  // Both checks: the shape, and a day that exists (2026-13-45 would otherwise reach PostgreSQL).
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'from must be a real calendar date' })
  from?: string;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'to must be a real calendar date' })
  to?: string;
}

const today = () => new Date().toISOString().slice(0, 10);

@Controller('v1/metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('users/:user_id')
  async user(@Param('user_id') userId: string, @Query() q: DateRangeDto) {
    if (!isUuid(userId)) throw new DomainException('invalid_id', 400, 'user_id must be a UUID');
    return { user_id: userId, days: await this.metrics.userMetrics(userId, q.from ?? '1970-01-01', q.to ?? today()) };
  }

  @Get('system')
  async system(@Query() q: DateRangeDto) {
    return { days: await this.metrics.systemMetrics(q.from ?? '1970-01-01', q.to ?? today()) };
  }
}
