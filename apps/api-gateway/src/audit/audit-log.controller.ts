import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Page } from '@wozamali/platform';
import { AuditEntryDto, AuditLogListDto, AuditLogQueryDto } from './audit-log.dto';
import { AuditLogService } from './audit-log.service';

@ApiTags('audit-log')
@ApiBearerAuth()
@Controller('v1/audit-log')
export class AuditLogController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @ApiOperation({ summary: 'Who did what and when: every admin and service-key write through the gateway, newest first (admin: audit_log:read). Filters: actor, action, target, from, to; `?limit=&cursor=` → `{ data, next_cursor }`.' })
  @ApiOkResponse({ type: AuditLogListDto })
  list(@Query() q: AuditLogQueryDto): Promise<Page<AuditEntryDto>> { return this.audit.list(q); }
}
