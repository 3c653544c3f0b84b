import { EntityManager } from 'typeorm';
import { sql } from '../database/sql';
import { AssignmentRow, WorkItemRow } from './rows';

/**
 * The SQL that writes work_items, assignments and submissions for the flows of other modules
 * (this module owns those tables; docs/architecture.md, "Who owns which table"): paying a batch
 * opens its work, canceling it ends the work. The claim/submit hot path is in work-sql.ts, ending
 * a claim in claim-endings.ts.
 */

export interface TaskToOpen {
  id: string;
  /** inbound connections in the batch's pipeline: 0 opens the task's work at once */
  waitingFor: number;
  rewardCents: number;
}

/**
 * One work item per datum × task of the paid batch, in (datum, task) order: entry tasks `open`,
 * the others `waiting` for their inputs. One INSERT … SELECT, whatever the size of the batch.
 */
export async function openWork(em: EntityManager, batchId: string, tasks: TaskToOpen[]): Promise<void> {
  await sql(
    em,
    `INSERT INTO work_items (batch_id, datum_id, task_id, status, waiting_for, reward_cents)
     SELECT d.batch_id, d.id, t.id, CASE WHEN t.w = 0 THEN 'open' ELSE 'waiting' END, t.w, t.r
       FROM data d CROSS JOIN unnest($2::bigint[], $3::int[], $4::bigint[]) AS t(id, w, r)
      WHERE d.batch_id = $1
      ORDER BY d.id, t.id`,
    [batchId, tasks.map((t) => t.id), tasks.map((t) => t.waitingFor), tasks.map((t) => t.rewardCents)],
  );
}

/**
 * The batch is canceled: its unclaimed work (open, waiting) is canceled — returned, so its escrow
 * can be refunded — and its claims are marked canceled (a live claim stays submittable and paid;
 * however else it ends, ClaimEndings refunds it). Returns the claims whose lease already lapsed,
 * for the caller to end now. Lock order: the caller holds the batch; work items are locked here.
 */
export async function cancelWorkOfBatch(em: EntityManager, batchId: string): Promise<{ unclaimedRewardCents: string[]; lapsedAssignmentIds: string[] }> {
  const unclaimed = await sql<{ reward_cents: string }>(
    em,
    `UPDATE work_items SET status = 'canceled', updated = now() WHERE batch_id = $1 AND status IN ('open', 'waiting') RETURNING reward_cents`,
    [batchId],
  );
  const claimed = await sql<{ assignment_id: string; lapsed: boolean }>(
    em,
    `UPDATE work_items SET canceled = true, updated = now() WHERE batch_id = $1 AND status = 'claimed'
     RETURNING assignment_id, (lease_expires_at <= now()) AS lapsed`,
    [batchId],
  );
  return {
    unclaimedRewardCents: unclaimed.map((w) => w.reward_cents),
    lapsedAssignmentIds: claimed.filter((c) => c.lapsed).map((c) => String(c.assignment_id)),
  };
}

/** The answers given to the canceled batch's data are erased, from submissions and from what assignments saw. */
export async function eraseAnswersOfBatch(em: EntityManager, batchId: string): Promise<void> {
  await sql(em, `UPDATE submissions SET parameters = '{}' WHERE datum_id IN (SELECT id FROM data WHERE batch_id = $1)`, [batchId]);
  await sql(em, `UPDATE assignments SET parameters_seen = NULL WHERE datum_id IN (SELECT id FROM data WHERE batch_id = $1) AND parameters_seen IS NOT NULL`, [
    batchId,
  ]);
}

/** The member's live claims (status `claimed`), for ending them when the membership ends. */
export async function liveAssignmentIdsOfMember(em: EntityManager, memberId: string): Promise<string[]> {
  const rows = await sql<{ id: string }>(em, `SELECT id FROM assignments WHERE member_id = $1 AND status = 'claimed'`, [memberId]);
  return rows.map((r) => String(r.id));
}

/**
 * The submit of a claim whose batch was canceled meanwhile: the work is done and paid (by the
 * caller), but nothing of the answer is kept (the batch's data are erased).
 */
export async function submitCanceledWork(em: EntityManager, w: WorkItemRow, a: AssignmentRow): Promise<void> {
  await sql(em, `UPDATE work_items SET status = 'done', updated = now() WHERE id = $1`, [w.id]);
  await sql(em, `UPDATE assignments SET status = 'submitted', submitted_at = now(), updated = now() WHERE id = $1`, [a.id]);
  await sql(em, `INSERT INTO submissions (assignment_id, datum_id, task_id, member_id, parameters) VALUES ($1, $2, $3, $4, '{}')`, [
    a.id,
    w.datum_id,
    w.task_id,
    a.member_id,
  ]);
}
