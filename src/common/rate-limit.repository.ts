import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';

/**
 * The only code that writes the rate_limit_counters table (docs/architecture.md, "Who owns which
 * table"): fixed-window counters shared by every server process.
 */

export interface CounterRow {
  hits: number;
  ms_left: number;
}

/**
 * Adds `hits` to the key's window atomically: a new window of `windowMs` at a key's first hit (or
 * after its window ended), else added to the count. Returns the count after it.
 */
export async function hitCounter(em: EntityManager, key: string, windowMs: number, hits = 1): Promise<CounterRow> {
  const row = await sqlOne<CounterRow>(
    em,
    `INSERT INTO rate_limit_counters AS c (key, hits, window_ends)
          VALUES ($1, $3, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
     ON CONFLICT (key) DO UPDATE
           SET hits = CASE WHEN c.window_ends <= clock_timestamp() THEN EXCLUDED.hits ELSE c.hits + EXCLUDED.hits END,
               window_ends = CASE WHEN c.window_ends <= clock_timestamp() THEN EXCLUDED.window_ends ELSE c.window_ends END
     RETURNING hits, greatest(0, extract(epoch FROM window_ends - clock_timestamp()) * 1000)::float8 AS ms_left`,
    [key, windowMs, hits],
  );
  return row!;
}

/** The key's live window, if any. */
export function liveCounter(em: EntityManager, key: string): Promise<CounterRow | undefined> {
  return sqlOne<CounterRow>(
    em,
    `SELECT hits, greatest(0, extract(epoch FROM window_ends - clock_timestamp()) * 1000)::float8 AS ms_left
       FROM rate_limit_counters WHERE key = $1 AND window_ends > clock_timestamp()`,
    [key],
  );
}

export async function deleteEndedCounters(em: EntityManager): Promise<void> {
  await sql(em, 'DELETE FROM rate_limit_counters WHERE window_ends < clock_timestamp()');
}

/** Whether a live API key has this hash (a read of the auth module's table, for the limiter's tracker). */
export async function isLiveKeyHash(em: EntityManager, digest: Buffer): Promise<boolean> {
  return (await sql(em, 'SELECT 1 FROM api_keys WHERE key_hash = $1 AND deleted_at IS NULL', [digest])).length > 0;
}
