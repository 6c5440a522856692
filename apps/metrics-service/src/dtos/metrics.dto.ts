import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested,
} from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A local day range; both checks: the shape, and a day that exists (2026-13-45 would otherwise reach PostgreSQL). */
export class DateRangeDto {
  /** First local day (YYYY-MM-DD), inclusive. */
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'from must be a real calendar date' })
  from?: string;

  /** Last local day (YYYY-MM-DD), inclusive. */
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'to must be a real calendar date' })
  to?: string;
}

export class SeriesQueryDto extends DateRangeDto {
  /** Bucket size: local days, weeks from Monday, or calendar months. */
  @IsOptional()
  @IsIn(['day', 'week', 'month'], { message: 'granularity must be one of day, week, month' })
  granularity?: 'day' | 'week' | 'month';
}

export class LeaderboardQueryDto {
  /** The current week (from Monday), month, year, or all time. */
  @IsOptional()
  @IsIn(['week', 'month', 'year', 'all'], { message: 'period must be one of week, month, year, all' })
  period?: 'week' | 'month' | 'year' | 'all';

  /** Ranked by kg collected, points earned, or CO2 avoided. */
  @IsOptional()
  @IsIn(['kg', 'points', 'co2'], { message: 'metric must be one of kg, points, co2' })
  metric?: 'kg' | 'points' | 'co2';

  /** Rows, 1 to 100 (default 10). */
  @IsOptional()
  @Matches(/^(100|[1-9]\d?)$/, { message: 'limit must be an integer from 1 to 100' })
  limit?: string;

  /** A local day inside the period wanted (default today): a past week, month or year. */
  @IsOptional()
  @Matches(DAY, { message: 'date must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'date must be a real calendar date' })
  date?: string;
}

export class MaterialFactorsDto {
  /** Grams of CO2e avoided per kg recycled. */
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  co2_g_per_kg!: number;

  /** Millilitres of water saved per kg recycled. */
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  water_ml_per_kg!: number;
}

export class MaterialImpactFactorDto extends MaterialFactorsDto {
  /** Material code, as on the rate card. */
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{0,39}$/, { message: 'material must be an upper-case material code' })
  material!: string;
}

/** A new version of the impact factors. */
export class PutImpactFactorsDto {
  /** When it takes effect (ISO 8601, not in the past; default now). Collections before it keep the version of their time. */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'effective_from must be an ISO 8601 time' })
  effective_from?: string;

  /** Where the factors come from (a study, a body, a document). */
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @Matches(/^(?:[^\u0000-\u001f\u007f\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/, { message: 'source may not contain control characters or lone surrogates' })
  source!: string;

  /** Factors of materials the version does not list. */
  @ValidateNested()
  @Type(() => MaterialFactorsDto)
  others!: MaterialFactorsDto;

  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => MaterialImpactFactorDto)
  materials!: MaterialImpactFactorDto[];
}

export class ReconciliationQueryDto {
  /** The local day (YYYY-MM-DD) to reconcile with the ledger. */
  @Matches(DAY, { message: 'date must be a date (YYYY-MM-DD)' })
  @IsISO8601({ strict: true }, { message: 'date must be a real calendar date' })
  date!: string;
}
