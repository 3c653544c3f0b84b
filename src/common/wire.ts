/**
 * The building blocks of every wire object: string ids, ISO timestamps, List objects and the
 * OpenGuilds-Version switch. Presenters (one per object type, next to their module) use these,
 * so the conventions of API.md §1 are made in exactly one place.
 */

/** The versions a client may ask for with the OpenGuilds-Version header (API.md §1.4). */
export const API_VERSIONS = ['2018-12-18'] as const;
/** 'default' is the shape of API.md; '2018-12-18' wraps nested collections as Lists. */
export type ApiVersion = 'default' | (typeof API_VERSIONS)[number];

export function wireId(id: string | number | bigint): string {
  return String(id);
}

export function wireIdOrNull(id: string | number | bigint | null | undefined): string | null {
  return id === null || id === undefined ? null : String(id);
}

export function wireTime(t: Date | string): string {
  return (t instanceof Date ? t : new Date(t)).toISOString();
}

export interface WireList<T> {
  object: 'List';
  url: string;
  has_more: boolean;
  page: number;
  data: T[];
}

export function wireList<T>(url: string, data: T[], page: number, hasMore: boolean): WireList<T> {
  return { object: 'List', url, has_more: hasMore, page, data };
}

/**
 * A collection nested inside another object (Batch.data, Task.connections, …): a bare array in
 * the default shapes, a List under OpenGuilds-Version 2018-12-18.
 */
export function nestedCollection<T>(version: ApiVersion, url: string, data: T[], hasMore = false): T[] | WireList<T> {
  return version === 'default' ? data : wireList(url, data, 1, hasMore);
}
