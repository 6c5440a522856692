import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import type { CampaignStatus } from '@wozamali/contracts';
import { Absent, IsAmount } from './validators';

export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['draft', 'active', 'completed', 'cancelled'];

/** `POST /v1/donations/campaigns`: a new campaign, `draft` unless created `active`. */
export class CreateCampaignDto {
  /** Shown to residents. */
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @Absent() @IsString() @MaxLength(5000) description?: string;
  /** Who receives the money (the PBO's name on an 18A receipt). */
  @IsString() @IsNotEmpty() @MaxLength(200) beneficiary!: string;
  /** Money target in cents; absent or null: none. */
  @IsOptional() @ValidateIf((o: CreateCampaignDto) => o.target_amount !== null) @IsAmount(1) target_amount?: number | null;
  /** Points target; absent or null: none. */
  @IsOptional() @ValidateIf((o: CreateCampaignDto) => o.target_points !== null) @IsAmount(1) target_points?: number | null;
  /** ISO 8601; absent: open from activation. */
  @Absent() @IsISO8601({ strict: true }) starts_at?: string;
  /** ISO 8601; absent: open-ended. */
  @Absent() @IsISO8601({ strict: true }) ends_at?: string;
  /** `draft` (default) or `active`. */
  @Absent() @IsIn(['draft', 'active']) status?: 'draft' | 'active';
  /** `complete` (default): the campaign closes when every target is met; `continue`: it stays open. */
  @Absent() @IsIn(['complete', 'continue']) on_target?: 'complete' | 'continue';
  /** The beneficiary's PBO reference: with it, money donations get Section 18A receipts. */
  @Absent() @IsString() @IsNotEmpty() @MaxLength(100) pbo_reference?: string;
  /** An external system's id for the campaign (unique). */
  @Absent() @IsString() @IsNotEmpty() @MaxLength(200) external_id?: string;
  /** Bonus points a donor earns per R1 donated (default 1). */
  @Absent() @IsInt() @Min(0) @Max(1000) bonus_points_per_rand?: number;
}

/** `PATCH /v1/donations/campaigns/{id}`: any of the fields; a status change follows draft → active → completed | cancelled. */
export class UpdateCampaignDto {
  @Absent() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @Absent() @IsString() @MaxLength(5000) description?: string;
  @Absent() @IsString() @IsNotEmpty() @MaxLength(200) beneficiary?: string;
  /** After activation a target may only rise, never below what was raised; null removes it (draft only). */
  @IsOptional() @ValidateIf((o: UpdateCampaignDto) => o.target_amount !== null) @IsAmount(1) target_amount?: number | null;
  @IsOptional() @ValidateIf((o: UpdateCampaignDto) => o.target_points !== null) @IsAmount(1) target_points?: number | null;
  @Absent() @IsISO8601({ strict: true }) starts_at?: string;
  @Absent() @IsISO8601({ strict: true }) ends_at?: string;
  @Absent() @IsIn(['active', 'completed']) status?: 'active' | 'completed';
  @Absent() @IsIn(['complete', 'continue']) on_target?: 'complete' | 'continue';
  @Absent() @IsString() @IsNotEmpty() @MaxLength(100) pbo_reference?: string;
  @Absent() @IsString() @IsNotEmpty() @MaxLength(200) external_id?: string;
  @Absent() @IsInt() @Min(0) @Max(1000) bonus_points_per_rand?: number;
}

/** `POST /v1/donations/campaigns/{id}/cancel`: what happens to the money it holds. */
export class CancelCampaignDto {
  /** `refund` every donation, or `redirect` the balance to another campaign; required when it holds money. */
  @Absent() @IsIn(['refund', 'redirect']) disposition?: 'refund' | 'redirect';
  /** The campaign receiving the balance (`redirect`), e.g. the Green Scholar Fund. */
  @ValidateIf((o: CancelCampaignDto) => o.disposition === 'redirect') @IsString() @IsNotEmpty() @MaxLength(36) redirect_campaign_id?: string;
  @IsString() @IsNotEmpty() @MaxLength(500) reason!: string;
}

export class ListCampaignsQuery {
  @IsOptional() @IsIn(CAMPAIGN_STATUSES) status?: CampaignStatus;
}
