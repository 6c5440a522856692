import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { DeliveryStatus } from '../repositories/delivery.repository';

export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed', 'dead'];

export class ListDeliveriesQuery {
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(250)
  limit?: number;

  /** `next_cursor` of the previous page (newest first). */
  @IsOptional()
  @IsString()
  @MaxLength(300)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a next_cursor this API gave' })
  cursor?: string;
}

export class RecoverDto {
  /** Failed and dead deliveries created at or after this time are sent again. */
  @IsISO8601({ strict: true })
  since!: string;
}
