import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
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
