import { EntityManager } from 'typeorm';
import { sql } from '../database/sql';

/**
 * The only code that writes the batch_watchers table (docs/architecture.md, "Who owns which
 * table"): which process streams which batch's progress, so a submit NOTIFYs only when someone
 * listens. The results module's read SQL is in result-sql.ts.
 */

/** Watches the batches from this process for `ttlSeconds` more (new rows, or the expiry pushed on). */
export async function upsertWatches(em: EntityManager, batchIds: string[], processId: string, ttlSeconds: number): Promise<void> {
  await sql(
    em,
    `INSERT INTO batch_watchers (batch_id, process_id, expires_at)
     SELECT b, $2, now() + make_interval(secs => $3) FROM unnest($1::bigint[]) b
     ON CONFLICT (batch_id, process_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
    [batchIds, processId, ttlSeconds],
  );
}

export async function deleteWatch(em: EntityManager, batchId: string, processId: string): Promise<void> {
  await sql(em, 'DELETE FROM batch_watchers WHERE batch_id = $1 AND process_id = $2', [batchId, processId]);
}

export async function deleteWatchesOfProcess(em: EntityManager, processId: string): Promise<void> {
  await sql(em, 'DELETE FROM batch_watchers WHERE process_id = $1', [processId]);
}

/** Drops the watches nobody refreshed (a crashed process's rows). */
export async function deleteExpiredWatches(em: EntityManager): Promise<void> {
  await sql(em, 'DELETE FROM batch_watchers WHERE expires_at < now()');
}
