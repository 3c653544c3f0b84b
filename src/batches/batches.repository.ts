import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { BatchRow } from './rows';

/**
 * The SQL that writes batches, data and batch_connections (this module owns them; docs/architecture.md,
 * "Who owns which table"). Other modules call these functions inside their transaction, or compose
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
 * A CTE body: when `datumCompleted` (an SQL boolean) holds, the batch counts one completed datum
 * and completes at its last. Returns status and just_completed.
 */
export function countCompletedDatumSql(p: { batchId: string; datumCompleted: string }): string {
  return `UPDATE batches SET data_completed_count = data_completed_count + 1,
           status = CASE WHEN status = 'processing' AND data_completed_count + 1 >= data_count THEN 'completed' ELSE status END,
           completed_at = CASE WHEN status = 'processing' AND data_completed_count + 1 >= data_count THEN now() ELSE completed_at END,
           updated = now()
     WHERE id = ${p.batchId} AND ${p.datumCompleted}
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

// ------------------------------------------------------------------ cancel

/** The batch and its data end canceled; the data's parameters are erased. */
export async function markCanceled(em: EntityManager, batchId: string): Promise<void> {
  await sql(em, `UPDATE data SET parameters = '{}', status = 'canceled', updated = now() WHERE batch_id = $1`, [batchId]);
  await sql(em, `UPDATE batches SET status = 'canceled', canceled_at = now(), updated = now() WHERE id = $1`, [batchId]);
}
