import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { ConnectionEntity } from './connection.entity';
import { TaskEntity } from './task.entity';

/**
 * The only code that writes the tasks and connections tables (docs/architecture.md, "Who owns
 * which table"), and the tasks module's own raw reads. One function per statement; pass the
 * transaction's `em`.
 */

export type NewTask = Pick<TaskEntity, 'guildId' | 'name' | 'minimumAmountCents' | 'workspaceId' | 'leaseSeconds' | 'quality'>;

export function insertTask(em: EntityManager, task: NewTask): Promise<TaskEntity> {
  return em.save(em.create(TaskEntity, task));
}

/** Writes the changed fields of a loaded task. */
export function saveTask(em: EntityManager, task: TaskEntity): Promise<TaskEntity> {
  return em.save(task);
}

export function insertConnection(em: EntityManager, guildId: string, sourceTaskId: string, targetTaskId: string): Promise<ConnectionEntity> {
  return em.save(em.create(ConnectionEntity, { guildId, sourceTaskId, targetTaskId }));
}

export async function deleteConnection(em: EntityManager, id: string): Promise<void> {
  await em.delete(ConnectionEntity, { id });
}

export interface UnpaidCostRow {
  /** the most data of any unpaid batch of the guild */
  n: string;
  /** the guild's price per datum today */
  price: string;
}

/** What a price change of the guild's tasks must check against: its unpaid batches are repriced. */
export async function unpaidCostInputs(em: EntityManager, guildId: string): Promise<UnpaidCostRow> {
  const row = await sqlOne<UnpaidCostRow>(
    em,
    `SELECT coalesce((SELECT max(data_count) FROM batches WHERE guild_id = $1 AND status = 'unpaid'), 0) AS n,
            (SELECT coalesce(sum(minimum_amount_cents), 0) FROM tasks WHERE guild_id = $1) AS price`,
    [guildId],
  );
  return row!;
}

/** The sum of minimum_amount_cents over the guild's tasks ('0' for none). */
export async function priceSum(em: EntityManager, guildId: string): Promise<string> {
  const row = await sqlOne<{ cents: string }>(em, `SELECT coalesce(sum(minimum_amount_cents), 0) AS cents FROM tasks WHERE guild_id = $1`, [guildId]);
  return row!.cents;
}

/**
 * The median seconds from claim to submit over each task's most recent `window` approved submits
 * (API.md §12.3; docs/bonuses-and-blocks.md): one index range of assignments_task_submitted_idx per
 * task, so the cost is bounded by the window, not the task's history. An answer on a slot counts
 * while approved (answers.status); a §7 submit is approved at submit. Tasks without any: absent.
 */
export async function medianSubmitSeconds(em: EntityManager, taskIds: string[], window: number): Promise<Map<string, number>> {
  if (taskIds.length === 0) return new Map();
  const rows = await sql<{ task_id: string; median: number | null }>(
    em,
    `SELECT t.id AS task_id, f.median
       FROM unnest($1::bigint[]) AS t(id)
       CROSS JOIN LATERAL (
         SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x.secs) AS median
           FROM (SELECT extract(epoch FROM a.submitted_at - a.created)::float8 AS secs
                   FROM assignments a
                  WHERE a.task_id = t.id AND a.status = 'submitted' AND a.submitted_at IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM answers an WHERE an.assignment_id = a.id AND an.status <> 'approved')
                  ORDER BY a.submitted_at DESC
                  LIMIT $2) x) f`,
    [taskIds, window],
  );
  const out = new Map<string, number>();
  for (const r of rows) if (r.median !== null) out.set(String(r.task_id), Math.round(Number(r.median)));
  return out;
}
