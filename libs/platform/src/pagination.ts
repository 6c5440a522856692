import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DomainException } from './problem';

/** Every list of every service answers this shape: a page, newest first, and the cursor of the next (null on the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** `?limit=&cursor=` of every list: at most 100 a page (default 50); the cursor is opaque, from `next_cursor`. */
export class PageQueryDto {
  /** Items per page, 1-100 (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(300)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a next_cursor this API gave' })
  cursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;

/**
 * A keyset cursor: the sort key of the last item of a page (e.g. `[created_at, id]`), as opaque
 * base64url. Decoding checks its shape (and `valid`, e.g. that its parts are a timestamp and a
 * UUID); a cursor that is not one of ours is 400 validation_failed, never a database error.
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number, valid: (key: string[]) => boolean = () => true): string[] | null {
  if (cursor === undefined || cursor === '') return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (!Array.isArray(key) || key.length !== arity || key.some((k) => typeof k !== 'string' || k.length === 0 || k.length > 100 || k.includes('\u0000')) || !valid(key as string[])) {
    throw new DomainException('validation_failed', 400, 'cursor is not one this API gave (use next_cursor as it came)', {}, [{ field: 'cursor', messages: ['not a valid cursor'] }]);
  }
  return key as string[];
}

/**
 * The page of `rows` fetched with `limit + 1` (one more tells whether there is a next page), mapped
 * to their views, with the cursor of its last row.
 */
export function pageOf<R, T>(rows: readonly R[], limit: number, view: (row: R) => T, keyOf: (row: R) => readonly string[]): Page<T> {
  const page = rows.slice(0, limit);
  return { data: page.map(view), next_cursor: rows.length > limit && page.length > 0 ? encodeCursor(keyOf(page[page.length - 1]!)) : null };
}
