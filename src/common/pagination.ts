import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { invalidField } from './errors';
import { IsWireId } from './id-validator';
import { WireList, wireList } from './wire';

/** `limit` (1–100, default 100) and `page` (1-based). Out-of-range values are a 422, never clamped. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;
}

export interface Page {
  limit: number;
  page: number;
  /** rows to skip */
  offset: number;
}

export function toPage(q: PageQuery): Page {
  const limit = q.limit ?? 100;
  const page = q.page ?? 1;
  return { limit, page, offset: (page - 1) * limit };
}

/**
 * Services fetch `limit + 1` rows; the extra row only tells whether there is a next page.
 */
export function pageOf<R, T>(url: string, page: Page, rows: R[], present: (row: R) => T): WireList<T> {
  return wireList(url, rows.slice(0, page.limit).map(present), page.page, rows.length > page.limit);
}

/**
 * Long lists (API.md §1.1: data, results, submissions, transactions) also take a cursor:
 * `starting_after=<id>` returns the items after that one in the list's order. A cursor that is
 * not an item of the list is a 422, and so is a cursor together with `page`.
 */
export class CursorPageQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'id of an item of this list: return the items after it, in the list order (not with page)' })
  @IsOptional()
  @IsWireId()
  starting_after?: string;
}

export interface CursorPage extends Page {
  /** the cursor id, when given; offset is then 0 */
  after?: string;
}

export function toCursorPage(q: CursorPageQuery): CursorPage {
  if (q.starting_after !== undefined && q.page !== undefined) {
    throw invalidField('starting_after', 'cannot be combined with page: use one or the other');
  }
  const page = toPage(q);
  return q.starting_after === undefined ? page : { ...page, after: String(q.starting_after) };
}

/** The 422 of a `starting_after` that names no item of the list. */
export function unknownCursor(id: string) {
  return invalidField('starting_after', `is not an item of this list (${id})`);
}
