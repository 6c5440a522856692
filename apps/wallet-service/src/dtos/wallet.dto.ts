import { Transform, Type } from 'class-transformer';
import { ValidatorConstraint, Validate, type ValidatorConstraintInterface } from 'class-validator';

@ValidatorConstraint({ name: 'isTimeZone' })
class IsTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || value.length > 64) return false;
    try { new Intl.DateTimeFormat('en', { timeZone: value }); return true; } catch { return false; }
  }
  defaultMessage(): string { return 'time_zone must be an IANA time zone, e.g. Africa/Johannesburg'; }
}

@ValidatorConstraint({ name: 'isValidDay' })
class IsValidDay implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  }
  defaultMessage(): string { return 'date must be a real day'; }
}
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min,
  ValidateNested, ValidateIf, registerDecorator, type ValidationOptions,
} from 'class-validator';

const MAX = Number.MAX_SAFE_INTEGER;

/** A UUID, normalised to lower case so one user never gets two sets of accounts. */
function IsId(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))(target, propertyName as string);
    IsUUID('all')(target, propertyName as string);
  };
}

/** An integer amount (cents or points) that JSON carries exactly: a safe integer, never a float. */
export function IsSafeAmount(min: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isSafeAmount',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an integer between ${min} and 2^53-1`, ...options },
      validator: { validate: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= MAX },
    });
}

/** A signed, non-zero safe integer (adjustments). */
export function IsSignedAmount(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isSignedAmount',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a non-zero integer within ±(2^53-1)`, ...options },
      validator: { validate: (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v !== 0 },
    });
}

/** Why points move, and the caller's own reference for it. */
class PointsMovementDto {
  /** Whole points, > 0. */
  @IsSafeAmount(1)
  points!: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class EarnPointsDto extends PointsMovementDto {
  /** Money to credit alongside, in ZAR cents (optional). */
  @IsOptional()
  @IsSafeAmount(0)
  amount?: number;
}

export class SpendPointsDto extends PointsMovementDto {}

export class CollectionLineDto {
  /** Material code from the rate card, e.g. PET. */
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,39}$/, { message: 'material must be an upper-case material code' })
  material!: string;

  /** Kilograms as a decimal string with at most 3 decimals, e.g. "5" or "2.375". */
  @IsString()
  @Matches(/^\d{1,6}(\.\d{1,3})?$/, { message: 'kg must be a decimal string (up to 6 digits, at most 3 decimals)' })
  kg!: string;
}

export class RecordCollectionDto {
  @IsId()
  user_id!: string;

  /** Optional id chosen by the collector's app; a collection id is credited at most once. */
  @IsOptional()
  @IsId()
  collection_id?: string;

  @IsOptional()
  @IsId()
  collector_id?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  collected_at?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CollectionLineDto)
  materials!: CollectionLineDto[];
}

export class RateCardLineDto {
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,39}$/, { message: 'code must be an upper-case material code' })
  code!: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;

  @IsSafeAmount(0)
  @Max(100_000_000)
  cents_per_kg!: number;

  @IsSafeAmount(0)
  @Max(100_000_000)
  points_per_kg!: number;

  /** Share of the money that goes to the Green Scholar Fund, in basis points (10000 = 100%). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  fund_share_bp?: number;
}

export class PutRateCardDto {
  /** When the card takes effect (default: now). */
  @IsOptional()
  @IsISO8601({ strict: true })
  effective_from?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => RateCardLineDto)
  materials!: RateCardLineDto[];
}

export class TierDto {
  @Matches(/^[a-z][a-z0-9_]{0,39}$/, { message: 'code must be a lower-case identifier' })
  code!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @IsSafeAmount(0)
  min_lifetime_points!: number;

  /** Points multiplier in basis points (10000 = 1.0). */
  @IsInt()
  @Min(0)
  @Max(100_000)
  multiplier_bp!: number;
}

export class PutTiersDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => TierDto)
  tiers!: TierDto[];
}

export class AdjustmentDto {
  @IsId()
  user_id!: string;

  @IsIn(['ZAR', 'POINTS'])
  asset!: 'ZAR' | 'POINTS';

  /** Signed amount: positive credits the user, negative debits (never below zero). */
  @IsSignedAmount()
  amount!: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class ReverseTransferDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class AccountRefDto {
  @IsIn(['user', 'platform', 'campaign', 'reward_sink', 'payout_clearing'])
  type!: 'user' | 'platform' | 'campaign' | 'reward_sink' | 'payout_clearing';

  /** User or campaign id (UUID); a reward sink may name itself; not used for platform/payout_clearing. */
  @ValidateIf((o: AccountRefDto) => o.type === 'user' || o.type === 'campaign')
  @IsId()
  @IsOptional()
  id?: string;
}

/** One movement of a multi-leg transfer: `amount` of `asset` from `from` to `to`. */
export class TransferLegDto {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AccountRefDto)
  from!: AccountRefDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AccountRefDto)
  to!: AccountRefDto;

  @IsIn(['ZAR', 'POINTS'])
  asset!: 'ZAR' | 'POINTS';

  /** Cents or points, > 0. */
  @IsSafeAmount(1)
  amount!: number;
}

const SINGLE_LEG_FIELDS = ['from', 'to', 'asset', 'amount'] as const;
const isSingleLeg = (o: InternalTransferDto) => o.legs === undefined;

/** `legs` and the single-leg fields (`from`, `to`, `asset`, `amount`) are two forms: exactly one may be sent. */
function IsOneTransferForm(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isOneTransferForm',
      target: target.constructor,
      propertyName,
      options: { message: 'send either legs or from, to, asset and amount, not both', ...options },
      validator: { validate: (_v: unknown, args) => SINGLE_LEG_FIELDS.every((f) => (args!.object as InternalTransferDto)[f] === undefined) },
    });
}

/**
 * An internal transfer: either one leg (`from`, `to`, `asset`, `amount`) or `legs` (1 to 10), all
 * posted as one transfer with one id, all or nothing.
 */
export class InternalTransferDto {
  @IsIn(['earn', 'redeem', 'donate', 'transfer', 'expire'])
  kind!: 'earn' | 'redeem' | 'donate' | 'transfer' | 'expire';

  /** Single-leg form: the paying account. */
  @ValidateIf(isSingleLeg)
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AccountRefDto)
  from?: AccountRefDto;

  /** Single-leg form: the receiving account. */
  @ValidateIf(isSingleLeg)
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AccountRefDto)
  to?: AccountRefDto;

  /** Single-leg form: the asset moved. */
  @ValidateIf(isSingleLeg)
  @IsIn(['ZAR', 'POINTS'])
  asset?: 'ZAR' | 'POINTS';

  /** Single-leg form: cents or points, > 0. */
  @ValidateIf(isSingleLeg)
  @IsSafeAmount(1)
  amount?: number;

  /** Multi-leg form: 1 to 10 legs, posted together or not at all. */
  @ValidateIf((o: InternalTransferDto) => !isSingleLeg(o))
  @IsOneTransferForm()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => TransferLegDto)
  legs?: TransferLegDto[];

  /** Multi-leg form: the user the transfer concerns (optional; must be the one user the legs move). */
  @IsOptional()
  @IsId()
  user_id?: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  description!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;

  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class CreateHoldDto {
  @IsId()
  user_id!: string;

  @IsSafeAmount(1)
  amount!: number;

  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  description!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class SettleHoldDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class ListQueryDto {
  @IsOptional()
  @Matches(/^([1-9]|[1-9]\d|100)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}


/** `GET /internal/v1/reports/user-days?date=&time_zone=`: one local day, in an IANA time zone. */
export class UserDaysQueryDto {
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'date must be YYYY-MM-DD' })
  @Validate(IsValidDay)
  date!: string;

  @IsOptional()
  @Validate(IsTimeZone)
  time_zone: string = 'Africa/Johannesburg';
}
