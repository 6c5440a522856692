import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Topics } from '@wozamali/contracts';

export const EVENT_TOPICS: string[] = Object.values(Topics);

/** `GET /v1/dead-letters`: `?topic=&consumer=&limit=&cursor=`. */
export class ListDeadLettersQuery {
  /** Only the dead letters of this topic (the topic the event was published to, not its `.dlq`). */
  @IsOptional() @IsIn(EVENT_TOPICS)
  topic?: string;

  /** Only those this consumer gave up on, e.g. `metrics-service`. */
  @IsOptional() @IsString() @MaxLength(100) @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'consumer must be a consumer name' })
  consumer?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;

  /** `next_cursor` of the previous page (newest first). */
  @IsOptional() @IsString() @MaxLength(300) @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a next_cursor this API gave' })
  cursor?: string;
}

/** A dead letter's id: `<dlq topic>-<partition>-<offset>` (nothing a URL must escape). */
export const DEAD_LETTER_ID = /^(wozamali\.[a-z]+\.events)\.dlq-(\d{1,4})-(\d{1,18})$/;
