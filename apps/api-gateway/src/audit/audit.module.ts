import { Module } from '@nestjs/common';
import { AuditLogController } from './audit-log.controller';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';
import { AuditRecorder } from './audit-recorder';

/** The audit log: recorded from every admin/service write the gateway answers, listed at `GET /v1/audit-log`. */
@Module({
  controllers: [AuditLogController],
  providers: [AuditLogRepository, AuditLogService, AuditRecorder],
})
export class AuditModule {}
