import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';

export class RedeemDto {
  /** The catalogue reward to redeem. */
  @IsUUID() reward_id!: string;
}

export const USER_REWARD_STATUSES = ['issued', 'used', 'expired', 'cancelled'] as const;
export type UserRewardStatus = (typeof USER_REWARD_STATUSES)[number];

export class ListUserRewardsQuery {
  /** Only rewards in this status. */
  @IsOptional() @IsIn(USER_REWARD_STATUSES) status?: UserRewardStatus;
  /** `next_cursor` of the previous page. */
  @IsOptional() @IsUUID() cursor?: string;
  /** Page size, 1-100 (default 20). */
  @IsOptional() @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value)) @IsInt() @Min(1) @Max(100) limit?: number;
}

export class CancelUserRewardDto {
  /** Why the admin cancels it (kept and published). */
  @IsString() @MinLength(1) @MaxLength(500) reason!: string;
}

export class CodeDto {
  /** The code as the resident shows it (`XXXX-XXXX-XXXX`, any case, hyphens optional). */
  @IsString() @MinLength(1) @MaxLength(64) code!: string;
}

export class RollbackUseDto {
  /** Why the use is rolled back. */
  @IsString() @MinLength(1) @MaxLength(500) reason!: string;
}
