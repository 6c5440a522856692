import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto } from '@wozamali/platform';
import { IsDateString, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** `GET /v1/audit-log` filters, with `?limit=&cursor=`. */
export class AuditLogQueryDto extends PageQueryDto {
  /** Who: an admin's user id, a key's service id or a key's public id. */
  @ApiPropertyOptional({ example: '0195b3c2-7d1e-7a4b-9c2d-3e4f5a6b7c8d', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100) @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: 'actor must be a user id, service id or key id' })
  actor?: string;

  /** What: a piece of `<METHOD> <route>` or of the permission, e.g. `approve`, `adjustments`, `api-keys`, `withdrawals:approve`. */
  @ApiPropertyOptional({ example: 'approve', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100) @Matches(/^[A-Za-z0-9 _{}/:.-]+$/, { message: 'action must be letters, digits and / : . _ - { }' })
  action?: string;

  /** On what: an id the write acted on (a path parameter, or an id its body named, e.g. `user_id`). */
  @ApiPropertyOptional({ example: '0195b3c2-7d1e-7a4b-9c2d-3e4f5a6b7c8d', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100) @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: 'target must be an id' })
  target?: string;

  /** From this time, inclusive (ISO 8601). */
  @ApiPropertyOptional({ example: '2026-11-30T00:00:00Z', format: 'date-time' })
  @IsOptional() @IsDateString({ strict: true })
  from?: string;

  /** Up to this time, exclusive (ISO 8601). */
  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', format: 'date-time' })
  @IsOptional() @IsDateString({ strict: true })
  to?: string;
}

/** One admin or service write, as the gateway saw it. */
export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  /** When the answer was sent. */
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ enum: ['user', 'service'], example: 'user' }) actor_kind!: 'user' | 'service';
  /** An admin's user id, or the service id of an API key. */
  @ApiProperty({ example: '0195b3c2-7d1e-7a4b-9c2d-3e4f5a6b7c8d' }) actor_id!: string;
  /** The API key's public id (service keys only). */
  @ApiProperty({ type: String, nullable: true, example: null }) actor_key!: string | null;
  @ApiProperty({ enum: ['POST', 'PUT', 'PATCH', 'DELETE'], example: 'POST' }) method!: string;
  /** The route template, e.g. `/v1/withdrawals/{withdrawal_id}/approve`. */
  @ApiProperty({ example: '/v1/withdrawals/{withdrawal_id}/approve' }) route!: string;
  /** The permission the route needs, e.g. `withdrawals:approve`. */
  @ApiProperty({ example: 'withdrawals:approve' }) permission!: string;
  /** Ids the write acted on (path parameters, ids named in the body). */
  @ApiProperty({ type: [String], example: ['0195b3c2-7d1e-7a4b-9c2d-3e4f5a6b7c8d'] }) targets!: string[];
  /** The HTTP status answered (a 5xx or 504 leaves the outcome unknown). */
  @ApiProperty({ example: 200 }) status!: number;
  @ApiProperty({ enum: ['succeeded', 'refused', 'unknown'], example: 'succeeded' }) outcome!: 'succeeded' | 'refused' | 'unknown';
  /** The answer was an idempotent replay of an earlier one (no second effect). */
  @ApiProperty({ example: false }) replayed!: boolean;
  /** The request's note or reason, masked (destinations never appear whole). */
  @ApiProperty({ type: String, nullable: true, example: 'documents checked' }) note!: string | null;
  @ApiProperty({ example: 'req-1f2e3d' }) request_id!: string;
}

export class AuditLogListDto {
  @ApiProperty({ type: [AuditEntryDto] }) data!: AuditEntryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Cursor of the next page; null on the last.' }) next_cursor!: string | null;
}
