import { Type } from 'class-transformer';
import { Equals, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQueryDto } from '@wozamali/platform';
import { WITHDRAWAL_METHODS, type WithdrawalMethod } from '../domain/destination';
import { WITHDRAWAL_STATUSES, type WithdrawalStatus } from '../domain/withdrawal-state';

const MAX_CENTS = Number.MAX_SAFE_INTEGER;

export class CreateWithdrawalDto {
  /** Amount in ZAR cents, a whole number ≥ 1 (limits decide the rest). */
  @IsInt()
  @Min(1)
  @Max(MAX_CENTS)
  amount!: number;

  /** Only `ZAR`. */
  @Equals('ZAR')
  currency!: 'ZAR';

  /** `bank_transfer`, `mobile_money`, `paypal` or `crypto`. */
  @IsIn(WITHDRAWAL_METHODS)
  method!: WithdrawalMethod;

  /** The method's fields (validated per method: a bad one is 400 `invalid_destination` naming the field). Encrypted at rest, masked in every answer. */
  @IsObject()
  destination!: Record<string, unknown>;
}

export class DecisionDto {
  /** Why: required, 1–1000 characters. */
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  @Matches(/\S/, { message: 'note must not be blank' })
  note!: string;
}

/** Filters of the admin list, with the platform's `?limit=&cursor=` (every list pages alike). */
export class ListWithdrawalsQuery extends PageQueryDto {
  @IsOptional()
  @IsIn(WITHDRAWAL_STATUSES)
  status?: WithdrawalStatus;

  @IsOptional()
  @IsIn(WITHDRAWAL_METHODS)
  method?: WithdrawalMethod;

  /** Created at or after (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Created before (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

/** The whole limits document (`PUT /v1/withdrawals/limits`). Amounts in ZAR cents. */
export class WithdrawalSettingsDto {
  @IsInt() @Min(1) @Max(MAX_CENTS) min_amount!: number;
  @IsInt() @Min(1) @Max(MAX_CENTS) max_amount!: number;
  @IsInt() @Min(1) @Max(MAX_CENTS) daily_amount!: number;
  @IsInt() @Min(1) @Max(1000) daily_count!: number;
  @IsInt() @Min(1) @Max(100) max_open!: number;
  @IsInt() @Min(0) @Max(24 * 365) cooling_off_hours!: number;
  @IsString() @MaxLength(64) time_zone!: string;
  /** From this amount (inclusive) two different admins approve. */
  @IsInt() @Min(1) @Max(MAX_CENTS) two_approvals_from!: number;
  /** Undecided requests expire after this many hours (default 168 = 7 days). */
  @IsInt() @Min(1) @Max(24 * 365) expire_after_hours!: number;
}

export class ReconciliationsQuery {
  /** One local day (`YYYY-MM-DD`). */
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'day must be YYYY-MM-DD' })
  day?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** `PUT /internal/v1/disbursement-payouts/{id}` (donations-service only): a campaign's payout to its beneficiary, held until released. */
export class DisbursementPayoutDto {
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  campaign_id!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(500)
  beneficiary!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_CENTS)
  amount!: number;

  @IsIn(WITHDRAWAL_METHODS)
  method!: WithdrawalMethod;

  @IsObject()
  destination!: Record<string, unknown>;
}

/** `GET /internal/v1/disbursement-payouts?ids=a,b,c` (at most 100 ids). */
export class DisbursementPayoutsQuery {
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(,[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}){0,99}$/)
  ids!: string;
}
