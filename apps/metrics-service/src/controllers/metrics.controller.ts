import { Controller, Get, Param, Query } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import { DomainException } from '@wozamali/http';
import { IsOptional, Matches } from 'class-validator';
import { MetricsService } from '../services/metrics.service';

export class DateRangeDto {
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date (YYYY-MM-DD)' })
  from?: string;

  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date (YYYY-MM-DD)' })
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
