import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { Params } from './datum-input';
import { BatchRow, FileRow } from './rows';

/**
 * The SQL that writes batches, data, batch_connections, files and file_blobs (this module owns them;
 * docs/architecture.md, "Who owns which table"). Other modules call these functions inside their transaction, or compose
 * the fragments below into one hot-path statement (the submit, work/work-sql.ts).
 */

// ------------------------------------------------------------------ fragments for the submit

/**
 * A CTE body: the datum `datumId` takes the answer `answer` (jsonb) into its parameters and counts
 * one open work item down; at 0 it is completed. Returns status, parameters, created, updated.
 * The arguments are SQL expressions (placeholders) of the composing statement.
 */
export function answerDatumSql(p: { datumId: string; answer: string }): string {
  return `UPDATE data SET parameters = parameters || ${p.answer}::jsonb,
           open_work_count = open_work_count - 1,
           status = CASE WHEN open_work_count = 1 THEN 'completed' ELSE status END,
           updated = now()
     WHERE id = ${p.datumId} RETURNING status, parameters, created, updated`;
}

/**
 * A CTE body: when the shard CTE named `shardCte` (countOnShardSql with `completed`) says its
 * last datum just completed, the batch counts one finished shard and completes at its last
 * (docs/quality-and-scale.md B.4 step 7): the batch row is taken once per shard, not per datum.
 * Returns status and just_completed.
 */
export function countFinishedShardSql(p: { batchId: string; shardCte: string }): string {
  return `UPDATE batches SET shards_remaining = shards_remaining - 1,
           status = CASE WHEN status = 'processing' AND shards_remaining = 1 THEN 'completed' ELSE status END,
           completed_at = CASE WHEN status = 'processing' AND shards_remaining = 1 THEN now() ELSE completed_at END,
           updated = now()
     WHERE id = ${p.batchId} AND EXISTS (SELECT 1 FROM ${p.shardCte} WHERE shard_finished)
     RETURNING status, (completed_at = now()) AS just_completed`;
}

// ------------------------------------------------------------------ pay

/** Lock order: the batch row first, then its data / work items, then ledger accounts. */
export function lockOwnedBatch(em: EntityManager, batchId: string, ownerId: string): Promise<BatchRow | undefined> {
  return sqlOne<BatchRow>(em, 'SELECT * FROM batches WHERE id = $1 AND owner_id = $2 FOR UPDATE', [batchId, ownerId]);
}

/**
 * The paid batch starts processing: its cost is fixed, the pipeline's connections are copied
 * (the batch keeps them whatever the guild changes later) and every datum waits for `taskCount`
 * work items.
 */
export async function startProcessing(
  em: EntityManager,
  batchId: string,
  costCents: number,
  connections: Array<{ sourceTaskId: string; targetTaskId: string }>,
  taskCount: number,
): Promise<void> {
  await sql(em, `UPDATE batches SET status = 'processing', cost_cents = $2, paid_at = now(), updated = now() WHERE id = $1`, [batchId, costCents]);
  if (connections.length) {
    await sql(
      em,
      'INSERT INTO batch_connections (batch_id, source_task_id, target_task_id) SELECT $1, s, t FROM unnest($2::bigint[], $3::bigint[]) AS c(s, t) ON CONFLICT DO NOTHING',
      [batchId, connections.map((c) => c.sourceTaskId), connections.map((c) => c.targetTaskId)],
    );
  }
  await sql(em, `UPDATE data SET status = 'processing', open_work_count = $2, updated = now() WHERE batch_id = $1`, [batchId, taskCount]);
}

/** At most this many batch_shards rows per batch (fewer for a batch of fewer data). */
export const MAX_BATCH_SHARDS = 32;

/**
 * The paid batch's frozen per-task settings (batch_task_settings), its gold share, and its
 * batch_shards rows (min(32, data) of them; a datum counts on shard id % shard_count).
 */
export async function recordPaidSettings(
  em: EntityManager,
  batchId: string,
  p: { goldCents: number; dataCount: number; tasks: Array<{ taskId: string; quality: unknown; rewardCents: number; goldCents: number }> },
): Promise<void> {
  const shards = Math.max(1, Math.min(MAX_BATCH_SHARDS, p.dataCount));
  // each shard knows how many data it holds; the batch, how many shards still have data to finish
  await sql(
    em,
    `INSERT INTO batch_shards (batch_id, shard, data_count)
     SELECT $1, g, coalesce(c.n, 0)
       FROM generate_series(0, $2::int - 1) AS g
       LEFT JOIN (SELECT id % $2::int AS shard, count(*)::int AS n FROM data WHERE batch_id = $1 GROUP BY 1) c ON c.shard = g`,
    [batchId, shards],
  );
  await sql(
    em,
    `UPDATE batches SET gold_cents = $2, shard_count = $3,
            shards_remaining = (SELECT count(*) FROM batch_shards WHERE batch_id = $1 AND data_count > 0)
      WHERE id = $1`,
    [batchId, p.goldCents, shards],
  );
  await sql(
    em,
    `INSERT INTO batch_task_settings (batch_id, task_id, quality, reward_cents, gold_cents)
     SELECT $1, t, q, r, g FROM unnest($2::bigint[], $3::jsonb[], $4::bigint[], $5::bigint[]) AS s(t, q, r, g)`,
    [
      batchId,
      p.tasks.map((t) => t.taskId),
      p.tasks.map((t) => (t.quality === null ? null : JSON.stringify(t.quality))),
      p.tasks.map((t) => t.rewardCents),
      p.tasks.map((t) => t.goldCents),
    ],
  );
}

/**
 * A CTE body: the batch's shard of datum `datumId` counts what a submit or an ending paid out of
 * escrow for it (`spent`, `answers`), gave back (`refunded`) and — when `completed` (an SQL
 * boolean) holds — one completed datum. All are SQL expressions of the composing statement.
 * Returns shard_finished: this datum was the shard's last (countFinishedShardSql then takes the
 * batch row). One statement may update a shard row only once: compose one of these per statement.
 */
export function countOnShardSql(p: { batchId: string; datumId: string; spent: string; refunded: string; answers: string; completed?: string }): string {
  const completed = p.completed ?? 'false';
  return `UPDATE batch_shards SET spent_cents = spent_cents + ${p.spent}, refunded_cents = refunded_cents + ${p.refunded},
           answers_count = answers_count + ${p.answers},
           data_completed = data_completed + CASE WHEN ${completed} THEN 1 ELSE 0 END,
           updated = CASE WHEN ${completed} THEN now() ELSE updated END
     WHERE batch_id = ${p.batchId}::bigint
       AND shard = ${p.datumId}::bigint % greatest((SELECT shard_count FROM batches WHERE id = ${p.batchId}::bigint), 1)
     RETURNING (${completed}) AND data_completed = data_count AS shard_finished`;
}

/** countOnShardSql as its own statement (paths off the one-statement hot path). */
export async function countOnShard(
  em: EntityManager,
  batchId: string,
  datumId: string,
  amounts: { spentCents?: number; refundedCents?: number; answers?: number },
): Promise<void> {
  if (!amounts.spentCents && !amounts.refundedCents && !amounts.answers) return;
  await sql(em, countOnShardSql({ batchId: '$1', datumId: '$2', spent: '$3::bigint', refunded: '$4::bigint', answers: '$5::int' }), [
    batchId,
    datumId,
    amounts.spentCents ?? 0,
    amounts.refundedCents ?? 0,
    amounts.answers ?? 0,
  ]);
}

/**
 * The batch's money and progress as its shards hold them (Σ over at most 32 rows): spent_cents,
 * refunded_cents, shard_data_completed (add batches.data_completed_count: batchProgress) and
 * shards_updated (the last datum completed, for the Batch's `updated`).
 */
export const BATCH_MONEY_SQL = (batch: string) =>
  `(SELECT coalesce(sum(spent_cents), 0) FROM batch_shards WHERE batch_id = ${batch}) AS spent_cents,
   (SELECT coalesce(sum(refunded_cents), 0) FROM batch_shards WHERE batch_id = ${batch}) AS refunded_cents,
   (SELECT coalesce(sum(data_completed), 0)::int FROM batch_shards WHERE batch_id = ${batch}) AS shard_data_completed,
   (SELECT max(updated) FROM batch_shards WHERE batch_id = ${batch}) AS shards_updated`;

/** The batch row as readers see it: completed data counted on the row and on the shards, last change. */
export function withShardProgress<B extends { data_completed_count: number; updated: Date }>(
  b: B,
  shards: { shard_data_completed: number | string; shards_updated: Date | null },
): B {
  const updated = shards.shards_updated && shards.shards_updated > b.updated ? shards.shards_updated : b.updated;
  return { ...b, data_completed_count: Number(b.data_completed_count) + Number(shards.shard_data_completed), updated };
}

// ------------------------------------------------------------------ cancel

/** The batch and its data end canceled; the data's parameters are erased. */
export async function markCanceled(em: EntityManager, batchId: string): Promise<void> {
  await sql(em, `UPDATE data SET parameters = '{}', status = 'canceled', updated = now() WHERE batch_id = $1`, [batchId]);
  await sql(em, `UPDATE batches SET status = 'canceled', canceled_at = now(), updated = now() WHERE id = $1`, [batchId]);
}

// ------------------------------------------------------------------ create, data (batches.service.ts)

/** A new unpaid batch of the guild, owned by the requester. */
export async function insertBatch(em: EntityManager, guildId: string, ownerId: string): Promise<BatchRow> {
  return (await sqlOne<BatchRow>(em, 'INSERT INTO batches (guild_id, owner_id) VALUES ($1, $2) RETURNING *', [guildId, ownerId]))!;
}

/**
 * The data join the batch, in order, and its data_count grows by as many. One statement for any
 * number of data: the array goes to Postgres as one jsonb parameter and is expanded there, so
 * 100,000 data take one round trip (plus the count). The caller holds the batch (or just created it).
 */
export async function appendData(em: EntityManager, batchId: string, data: Params[]): Promise<void> {
  await sql(
    em,
    `INSERT INTO data (batch_id, parameters)
     SELECT $1, x.p FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(p, n) ORDER BY x.n`,
    [batchId, JSON.stringify(data)],
  );
  await sql(em, 'UPDATE batches SET data_count = data_count + $2, updated = now() WHERE id = $1', [batchId, data.length]);
}

/**
 * The datum of the (locked) batch goes, with the records of its uploaded files (the stored bytes
 * stay: other files may share them). Returns false, having removed nothing of the batch's data,
 * when the batch has no such datum; the caller then answers 404 and rolls back. Otherwise the
 * batch's data_count goes down by one.
 */
export async function deleteDatumOfBatch(em: EntityManager, batchId: string, datumId: string): Promise<boolean> {
  await sql(em, 'DELETE FROM files WHERE datum_id = $1', [datumId]);
  const gone = await sql(em, 'DELETE FROM data WHERE id = $1 AND batch_id = $2 RETURNING id', [datumId, batchId]);
  if (gone.length === 0) return false;
  await sql(em, 'UPDATE batches SET data_count = data_count - 1, updated = now() WHERE id = $1', [batchId]);
  return true;
}

// ------------------------------------------------------------------ uploaded files (files.service.ts)

/** The owner's stored bytes of this checksum are recorded; false when they already were (a duplicate upload). */
export async function insertFileBlob(em: EntityManager, blob: { ownerId: string; checksum: string; fileSize: number; storageKey: string }): Promise<boolean> {
  const inserted = await sql(
    em,
    'INSERT INTO file_blobs (owner_id, checksum, file_size, storage_key) VALUES ($1, $2, $3, $4) ON CONFLICT (owner_id, checksum) DO NOTHING RETURNING checksum',
    [blob.ownerId, blob.checksum, blob.fileSize, blob.storageKey],
  );
  return inserted.length > 0;
}

/** One datum joins the (locked) batch, and its data_count grows by one. Returns the datum's id. */
export async function appendDatum(em: EntityManager, batchId: string, parameters: Params): Promise<string> {
  const d = await sqlOne<{ id: string }>(em, 'INSERT INTO data (batch_id, parameters) VALUES ($1, $2::jsonb) RETURNING id', [
    batchId,
    JSON.stringify(parameters),
  ]);
  await sql(em, 'UPDATE batches SET data_count = data_count + 1, updated = now() WHERE id = $1', [batchId]);
  return d!.id;
}

/** The record of an uploaded file (its bytes are the owner's file_blobs row of `checksum`). */
export async function insertFile(
  em: EntityManager,
  f: { id: string; ownerId: string; batchId: string; datumId: string; name: string; checksum: string; fileSize: number; duplicate: boolean },
): Promise<FileRow> {
  return (await sqlOne<FileRow>(
    em,
    `INSERT INTO files (id, owner_id, batch_id, datum_id, name, checksum, file_size, duplicate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [f.id, f.ownerId, f.batchId, f.datumId, f.name, f.checksum, f.fileSize, f.duplicate],
  ))!;
}
