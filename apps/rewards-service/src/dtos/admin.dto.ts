import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';

export class AdminIssueDto {
  /** The catalogue reward to give (any type, active or not, inside its windows or not: only its stock counts). */
  @IsUUID() reward_id!: string;
  /** Why the admin gives it (kept with the user reward and the stock movement). */
  @IsString() @MinLength(1) @MaxLength(500) reason!: string;
}

/** The rewards settings that are data (DOMAIN.md); `PUT` replaces them all. */
export class RewardSettingsDto {
  /** Failed code validations a partner key may make per minute before 429 (default 10). */
  @IsInt() @Min(1) @Max(10_000) code_failures_per_minute!: number;
  /** Hours after a code use in which the partner may roll it back (default 24). */
  @IsInt() @Min(1) @Max(720) use_rollback_hours!: number;
  /** Days before `expires_at` on which `reward_expiring` is sent (default [7, 1]); empty = no reminders. */
  @IsArray() @ArrayMinSize(0) @ArrayMaxSize(10) @ArrayUnique() @IsInt({ each: true }) @Min(1, { each: true }) @Max(365, { each: true }) expiry_reminder_days!: number[];
}
