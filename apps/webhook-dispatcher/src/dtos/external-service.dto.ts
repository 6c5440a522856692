import { IsIn, IsOptional, IsString, IsUrl, Matches, MaxLength, ValidateIf } from 'class-validator';

export const EXTERNAL_SERVICE_TYPES = ['payment', 'notification', 'analytics', 'rewards_partner', 'other'] as const;
const URL_RULES = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class CreateExternalServiceDto {
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, { message: 'name must be 1-100 letters, digits, spaces, dots, dashes or underscores' })
  name!: string;

  @IsIn(EXTERNAL_SERVICE_TYPES)
  type!: (typeof EXTERNAL_SERVICE_TYPES)[number];

  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_RULES)
  base_url!: string;

  /** Probed periodically when set; a 2xx counts as a heartbeat. */
  /** A new health URL, or null to stop probing the service. */
  @IsOptional()
  @ValidateIf((o: UpdateExternalServiceDto) => o.health_url !== null)
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_RULES)
  health_url?: string | null;
}

export class UpdateExternalServiceDto {
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, { message: 'name must be 1-100 letters, digits, spaces, dots, dashes or underscores' })
  name?: string;

  @IsOptional()
  @IsIn(EXTERNAL_SERVICE_TYPES)
  type?: (typeof EXTERNAL_SERVICE_TYPES)[number];

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_RULES)
  base_url?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_RULES)
  health_url?: string;
}
