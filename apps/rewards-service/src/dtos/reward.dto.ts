import { Transform } from 'class-transformer';
import {
  IsBoolean, IsDateString, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf,
} from 'class-validator';
import type { RewardType } from '@wozamali/contracts';
import { LIMIT_PERIODS, REWARD_TYPES, type LimitPeriod } from '../domain/reward';

/** Optional, but never null: a field left out is unchanged, a null is refused (the column has no null). */
const Absent = () => ValidateIf((_o, v) => v !== undefined);

const MAX_POINTS = 1_000_000_000;
const MAX_CENTS = 100_000_000_000;

/** Fields an admin sets on a reward; `POST` requires code, name, type and points_cost. */
class RewardFields {
  /** Longer text for the catalogue. */
  @Absent() @IsString() @MaxLength(2000) description?: string;
  /** Value in cents: a cashback's money paid into the resident's wallet, a voucher's face value. */
  @Absent() @IsInt() @Min(0) @Max(MAX_CENTS) value?: number;
  /** Units available in total, or null for unlimited; never below what is already taken. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsInt() @Min(0) @Max(MAX_POINTS) stock?: number | null;
  /** Why the stock changed (recorded with the movement); required when `stock` is sent. */
  @Absent() @IsString() @MinLength(1) @MaxLength(500) stock_reason?: string;
  /** Redemptions allowed per resident in `limit_period`, or null for none. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsInt() @Min(1) @Max(1_000_000) per_user_limit?: number | null;
  /** The period the per-user limit counts in (`total`, `day`, `week`, `month`; Johannesburg time). */
  @Absent() @IsIn(LIMIT_PERIODS) limit_period?: LimitPeriod;
  /** Lowest tier that may redeem (`bronze`, `silver`, `gold`, `platinum`), or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @MaxLength(50) min_tier?: string | null;
  /** Shown in the catalogue from (ISO 8601), or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsDateString({ strict: true }) visible_from?: string | null;
  /** Shown until (ISO 8601, exclusive), or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsDateString({ strict: true }) visible_until?: string | null;
  /** Redeemable from (ISO 8601), or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsDateString({ strict: true }) available_from?: string | null;
  /** Redeemable until (ISO 8601, exclusive), or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsDateString({ strict: true }) available_until?: string | null;
  /** Days an issued reward stays valid (default 30), or null: never expires. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsInt() @Min(1) @Max(3650) valid_days?: number | null;
  /** Whether an admin cancel gives the points back. */
  @Absent() @IsBoolean() refundable_on_cancel?: boolean;
  /** The partner that honours it: the `service_id` of its API keys, or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) partner_service_id?: string | null;
  /** The partner's own id for this reward, or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @MinLength(1) @MaxLength(200) partner_reward_id?: string | null;
  /** Prefix of its codes (1-8 letters or digits), or null. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @Matches(/^[A-Za-z0-9]{1,8}$/) code_prefix?: string | null;
  /** Whether it is offered at all. */
  @Absent() @IsBoolean() active?: boolean;
}

export class CreateRewardDto extends RewardFields {
  /** Catalogue code, e.g. `CASHBACK_100`: upper case, unique. */
  @IsString() @Matches(/^[A-Z][A-Z0-9_]{1,49}$/) code!: string;
  /** Display name. */
  @IsString() @MinLength(1) @MaxLength(200) name!: string;
  /** `discount`, `cashback`, `product`, `service` or `badge`. */
  @IsIn(REWARD_TYPES) type!: RewardType;
  /** Points debited per redemption (0: free). */
  @IsInt() @Min(0) @Max(MAX_POINTS) points_cost!: number;
}

export class UpdateRewardDto extends RewardFields {
  /** Display name. */
  @Absent() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  /** Points debited per redemption (0: free). */
  @Absent() @IsInt() @Min(0) @Max(MAX_POINTS) points_cost?: number;
}

export class ListRewardsQuery {
  /** Only rewards of this type. */
  @IsOptional() @IsIn(REWARD_TYPES) type?: RewardType;
  /** `next_cursor` of the previous page. */
  @IsOptional() @IsUUID() cursor?: string;
  /** Page size, 1-100 (default 20). */
  @IsOptional() @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value)) @IsInt() @Min(1) @Max(100) limit?: number;
}
