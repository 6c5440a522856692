import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Shapes of the services' requests and responses as the gateway publishes them. The services own and
// validate them; the gateway passes bodies through unchanged.

const USER = '8d7f5a9e-2c41-4b3e-9f0a-1e6c2d4b7a90';
const COLLECTOR = '3b2e1d0c-9a8b-4c7d-8e6f-5a4b3c2d1e0f';

/** `application/problem+json` (RFC 9457) with the platform's stable code. */
export class ProblemDto {
  @ApiProperty({ example: 'https://docs.wozamali.co.za/problems/not-found' }) type!: string;
  @ApiProperty({ example: 'Not found' }) title!: string;
  @ApiProperty({ example: 404 }) status!: number;
  @ApiProperty({ example: 'not_found', description: 'Stable machine-readable code' }) code!: string;
  @ApiPropertyOptional({ example: 'no such resource' }) detail?: string;
  @ApiProperty({ example: 'c0a8012e-5f3b-4e1a-9d2c-7b6a5f4e3d2c', nullable: true, type: 'string' }) correlation_id!: string | null;
}

export class WalletDto {
  @ApiProperty({ format: 'uuid', example: USER }) user_id!: string;
  @ApiProperty({ example: 'ZAR' }) currency!: string;
  /** Cents. */
  @ApiProperty({ example: 2575, description: 'cents' }) balance!: number;
  @ApiProperty({ example: 0, description: 'cents held by pending withdrawals or donations' }) held!: number;
  @ApiProperty({ example: 2575, description: 'balance − held, cents' }) available!: number;
  @ApiProperty({ example: 450 }) points!: number;
  @ApiProperty({ example: 450 }) lifetime_points!: number;
  @ApiProperty({ example: 'bronze' }) tier!: string;
  @ApiProperty({ example: 'silver', nullable: true, type: 'string' }) next_tier!: string | null;
  @ApiProperty({ example: 550, nullable: true, type: 'integer' }) points_to_next_tier!: number | null;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class TransactionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'collection' }) kind!: string;
  @ApiProperty({ example: 250, description: 'cents' }) money_change!: number;
  @ApiProperty({ example: 50 }) points_change!: number;
  @ApiProperty({ example: 2575, description: 'cents' }) balance_after!: number;
  @ApiProperty({ example: 'Recycling reward: 5 kg plastic' }) description!: string;
  @ApiProperty({ example: 'collection:7f3e…', nullable: true, type: 'string' }) reference!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class TransactionPageDto {
  @ApiProperty({ type: [TransactionDto] }) data!: TransactionDto[];
  @ApiProperty({ nullable: true, type: 'string', example: 'eyJjIjoiMjAyNi0xMS0yNVQxMDo…', description: 'pass as ?cursor= for the next page' }) next_cursor!: string | null;
}

export class EarnPointsDto {
  @ApiProperty({ example: 100, minimum: 1 }) points!: number;
  @ApiPropertyOptional({ example: 250, description: 'cents credited with the points' }) amount?: number;
  @ApiProperty({ example: 'Partner reward' }) reason!: string;
  @ApiPropertyOptional({ example: 'partner-order-1234' }) reference?: string;
}

export class SpendPointsDto {
  @ApiProperty({ example: 50, minimum: 1 }) points!: number;
  @ApiProperty({ example: 'Airtime voucher' }) reason!: string;
  @ApiPropertyOptional({ example: 'voucher-991' }) reference?: string;
}

export class PointsMovementDto {
  @ApiProperty({ format: 'uuid' }) transfer_id!: string;
  @ApiProperty({ example: 100 }) points_change!: number;
  @ApiProperty({ example: 550 }) points_after!: number;
  @ApiProperty({ example: 'Partner reward' }) reason!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class CollectionLineInputDto {
  @ApiProperty({ example: 'plastic' }) material!: string;
  @ApiProperty({ example: '5.000', description: 'kilograms as a decimal string, up to 3 decimals' }) kg!: string;
}

export class RecordCollectionDto {
  @ApiProperty({ format: 'uuid', example: USER }) user_id!: string;
  @ApiPropertyOptional({ format: 'uuid', example: COLLECTOR, description: "a collector's own id (the gateway refuses another's)" }) collector_id?: string;
  @ApiPropertyOptional({ format: 'date-time' }) collected_at?: string;
  @ApiProperty({ type: [CollectionLineInputDto] }) materials!: CollectionLineInputDto[];
}

export class CollectionDto {
  @ApiProperty({ format: 'uuid' }) collection_id!: string;
  @ApiProperty({ example: 50 }) points!: number;
  @ApiProperty({ example: 250, description: 'cents to the resident' }) amount!: number;
  @ApiProperty({ example: 0, description: 'cents to the Green Scholar Fund' }) fund_amount!: number;
  @ApiProperty({ example: 3 }) rate_card_version!: number;
  @ApiProperty({ type: 'array', items: { type: 'object' }, example: [{ material: 'plastic', kg: '5.000', points: 50, amount: 250 }] }) lines!: object[];
  @ApiProperty({ type: WalletDto }) wallet!: WalletDto;
}

export class MaterialRateDto {
  @ApiProperty({ example: 'plastic' }) material!: string;
  @ApiProperty({ example: 10 }) points_per_kg!: number;
  @ApiProperty({ example: 50, description: 'cents per kg' }) cents_per_kg!: number;
}

export class RateCardDto {
  @ApiProperty({ example: 3 }) version!: number;
  @ApiProperty({ format: 'date-time' }) effective_from!: string;
  @ApiProperty({ type: [MaterialRateDto] }) materials!: MaterialRateDto[];
}

export class TierDto {
  @ApiProperty({ example: 'silver' }) name!: string;
  @ApiProperty({ example: 1000 }) min_lifetime_points!: number;
  @ApiProperty({ example: '1.10', description: 'points multiplier' }) multiplier!: string;
}

export class TiersDto {
  @ApiProperty({ type: [TierDto] }) tiers!: TierDto[];
}

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://notify.example.org/hooks/wozamali' }) url!: string;
  @ApiProperty({ example: ['wallet_update', 'points_update'], type: [String] }) events!: string[];
  @ApiPropertyOptional({ example: 'notification service' }) description?: string;
  @ApiPropertyOptional({ example: 'notify' }) service_id?: string;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://notify.example.org/hooks/wozamali' }) url!: string;
  @ApiProperty({ example: ['wallet_update', 'points_update'], type: [String] }) events!: string[];
  @ApiPropertyOptional({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'shown at creation and rotation only' }) secret?: string;
}

export class RegisterExternalServiceDto {
  @ApiProperty({ example: 'notify' }) name!: string;
  @ApiProperty({ example: 'notification' }) type!: string;
  @ApiProperty({ example: 'https://notify.example.org' }) base_url!: string;
  @ApiPropertyOptional({ example: 'https://notify.example.org/health' }) health_url?: string;
}

export class ExternalServiceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'notify' }) name!: string;
  @ApiProperty({ example: 'notification' }) type!: string;
  @ApiProperty({ example: 'healthy', enum: ['healthy', 'warning', 'unhealthy'] }) health_status!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: 'string' }) last_heartbeat_at!: string | null;
}
