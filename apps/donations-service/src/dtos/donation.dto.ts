import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { DonationVisibility } from '@wozamali/contracts';
import { Absent, IsAmount } from './validators';

/** `POST /v1/users/{user_id}/donations`: money and/or points to a campaign. */
export class CreateDonationDto {
  /** The campaign (UUID). */
  @IsString() @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'campaign_id must be a UUID' }) campaign_id!: string;
  /** Money in cents (≥ 1 when given). */
  @Absent() @IsAmount(1) amount?: number;
  /** Points (≥ 1 when given). */
  @Absent() @IsAmount(1) points?: number;
  /** `public` (default), `hide_amount` or `anonymous`. */
  @Absent() @IsIn(['public', 'hide_amount', 'anonymous']) visibility?: DonationVisibility;
  /** A note shown with a public donation. */
  @Absent() @IsString() @IsNotEmpty() @MaxLength(500) message?: string;
}

/** `POST /v1/donations/{id}/refund`. */
export class RefundDonationDto {
  @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}

export class PageQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  /** Opaque cursor from the previous page's `next_cursor`. */
  @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

/** `GET /v1/donations` (admin): every donation, newest first, optionally of one campaign or status. */
export class AdminListQuery extends PageQuery {
  @IsOptional() @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'campaign_id must be a UUID' }) campaign_id?: string;
  @IsOptional() @IsIn(['pending', 'accepted', 'failed', 'refunded']) status?: 'pending' | 'accepted' | 'failed' | 'refunded';
}

export class ReceiptQuery {
  /** `json` (default) or `html` (printable). */
  @IsOptional() @IsIn(['json', 'html']) format?: 'json' | 'html';
}

export class ExportQuery {
  @Type(() => Number) @IsInt() @Min(2000) @Max(2200) tax_year!: number;
}

/** `POST /v1/donations/campaigns/{id}/disbursements`. */
export class CreateDisbursementDto {
  @IsAmount(1) amount!: number;
  @Absent() @IsString() @IsNotEmpty() @MaxLength(200) reference?: string;
  /** How the beneficiary is paid: `bank_transfer`, `mobile_money`, `paypal` or `crypto` (the withdrawals' methods). */
  @IsIn(['bank_transfer', 'mobile_money', 'paypal', 'crypto']) method!: string;
  /** The method's fields, validated by the payout pipeline (400 `invalid_destination` with `field`); kept there sealed, here masked only. */
  @IsObject() destination!: Record<string, unknown>;
}

export class RejectDisbursementDto {
  @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}

/** `POST /v1/donations/disbursements/{id}/retry-payout`: why a person sends a payout in doubt back to the provider. */
export class RetryPayoutDto {
  /** Required, 1–1000 characters, not blank (as a withdrawal's decision note). */
  @IsString() @IsNotEmpty() @MaxLength(1000) @Matches(/\S/, { message: 'note must not be blank' }) note!: string;
}
