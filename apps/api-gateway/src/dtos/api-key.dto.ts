import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const PERMISSIONS_EXAMPLE = { wallets: ['read'], points: ['read'], external_services: ['register', 'heartbeat'] };

/** Body of `POST /v1/api-keys`. */
export class CreateApiKeyDto {
  /** What the key is for, shown in listings. */
  @ApiProperty({ example: 'notification service (production)', maxLength: 200 })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name!: string;

  /** The service that will present the key; it must send this as `X-Service-ID`. */
  @ApiProperty({ example: 'notify', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })
  @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
  service_id!: string;

  /** Resource → actions; anything not listed is denied. A key can only grant what its creator holds. */
  @ApiProperty({ example: PERMISSIONS_EXAMPLE, type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } })
  @IsObject()
  permissions!: Record<string, string[]>;

  /** When the key stops working (ISO 8601, in the future); none = until revoked. */
  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z', format: 'date-time' })
  @IsOptional() @IsDateString({ strict: true })
  expires_at?: string;

  /** Requests per rate-limit window for this key; default RATE_LIMIT_KEY_PER_WINDOW. */
  @ApiPropertyOptional({ example: 1200, minimum: 1, maximum: 1_000_000 })
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  rate_limit_per_minute?: number;
}

/** Body of `POST /v1/api-keys/{id}/rotate`. */
export class RotateApiKeyDto {
  /** Seconds the old key keeps working so the service can switch over; 0 (default) revokes it now. */
  @ApiPropertyOptional({ example: 3600, minimum: 0, maximum: 604800 })
  @IsOptional() @IsInt() @Min(0) @Max(604_800)
  grace_period_seconds?: number;
}

/** An API key as listed: never its secret or hash. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid', example: '6f1c1b8e-3b9a-4d7e-9a57-0b6c1f2d9e01' }) id!: string;
  /** The key's public part; the key itself starts `wm_live_<public_id>_`. */
  @ApiProperty({ example: '3f9a1c0b7d2e' }) public_id!: string;
  @ApiProperty({ example: 'notification service (production)' }) name!: string;
  @ApiProperty({ example: 'notify' }) service_id!: string;
  @ApiProperty({ example: PERMISSIONS_EXAMPLE, type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } }) permissions!: Record<string, string[]>;
  @ApiProperty({ nullable: true, type: 'integer', example: null }) rate_limit_per_minute!: number | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'], example: 'active' }) status!: 'active' | 'expired' | 'revoked';
  /** The ADMIN_API_KEY key; it changes only with the environment. */
  @ApiProperty({ example: false }) bootstrap!: boolean;
  @ApiProperty({ example: 'service:devadmin' }) created_by!: string;
  @ApiProperty({ nullable: true, format: 'uuid', type: 'string', example: null }) rotated_from!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ nullable: true, format: 'date-time', type: 'string' }) expires_at!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time', type: 'string' }) revoked_at!: string | null;
  /** Recorded in batches: may lag real use by a few seconds. */
  @ApiProperty({ nullable: true, format: 'date-time', type: 'string' }) last_used_at!: string | null;
}

/** A new key: the only response that ever contains `key`. */
export class CreatedApiKeyDto extends ApiKeyDto {
  /** Shown once; store it now. Send as `Authorization: Bearer <key>` with `X-Service-ID`. */
  @ApiProperty({ example: 'wm_live_3f9a1c0b7d2e_9b1d4c7e2f0a6b3d8c5e1f4a7b0d3c6e9f2a5b8d1c4e7f0a3b6d9c2e5f8a1b4d7c' })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) data!: ApiKeyDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Cursor of the next page; null on the last.' }) next_cursor!: string | null;
}
