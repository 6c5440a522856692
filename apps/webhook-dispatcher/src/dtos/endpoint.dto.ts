import { PageQueryDto } from '@wozamali/platform';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUrl, IsUUID, MaxLength } from 'class-validator';
import { EventDefinitions } from '@wozamali/contracts';

const EVENT_TYPES = Object.keys(EventDefinitions);
const URL_RULES = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, require_valid_protocol: true };

export class CreateEndpointDto {
  /** Where events are POSTed. */
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_RULES)
  url!: string;

  /** Event types the endpoint receives, e.g. `wallet_update`. */
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  events!: string[];

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** The registered external service that owns the endpoint. */
  @IsOptional()
  @IsUUID()
  service_id?: string;
}

export class UpdateEndpointDto {
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_RULES)
  url?: string;

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  events?: string[];

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  /** Disabling parks what is waiting; enabling alone does not re-send it (see recover). */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListEndpointsQuery extends PageQueryDto {
  @IsOptional()
  @IsUUID()
  service_id?: string;
}
