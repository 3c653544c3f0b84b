import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { AssignmentRow, WorkItemRow } from './rows';

/**
 * The SQL that writes work_items, assignments and submissions for the flows of other modules
 * (this module owns those tables; docs/architecture.md, "Who owns which table"): paying a batch
 * opens its work, canceling it ends the work. The claim/submit hot path's statements are in
 * work-sql.ts; the single-row writes of ending a claim (claim-endings.ts) and of a submit on a slot
 * (submit-answer.usecase.ts) are the named functions at the end of this file: each is one statement
 * on the caller's transaction, so moving them here adds no round trip.
 */

export interface TaskToOpen {
  id: string;
  /** inbound connections in the batch's pipeline: 0 opens the task's work at once */
  waitingFor: number;
  rewardCents: number;
  /** overlap.min at a task that collects answers on slots (§11.1); null: the work item is claimed itself (§7) */
  minAnswers: number | null;
  /** overlap.max: the answers reserved per datum (1 without overlap) */
  reservedAnswers: number;
}

/**
 * One work item per datum × task of the paid batch, in (datum, task) order: entry tasks `open`
 * (or `collecting`, with overlap.min open answer slots), the others `waiting` for their inputs.
 * One statement, whatever the size of the batch.
 */
export async function openWork(em: EntityManager, batchId: string, tasks: TaskToOpen[]): Promise<void> {
  await sql(
    em,
    `WITH w AS (
       INSERT INTO work_items (batch_id, datum_id, task_id, status, waiting_for, reward_cents, min_answers, reserved_answers)
       SELECT d.batch_id, d.id, t.id, CASE WHEN t.w > 0 THEN 'waiting' WHEN t.mn IS NULL THEN 'open' ELSE 'collecting' END, t.w, t.r, t.mn, t.mx
         FROM data d CROSS JOIN unnest($2::bigint[], $3::int[], $4::bigint[], $5::int[], $6::int[]) AS t(id, w, r, mn, mx)
        WHERE d.batch_id = $1
        ORDER BY d.id, t.id
       RETURNING id, task_id, batch_id, datum_id, reward_cents, status, min_answers)
     ${openSlotsSql('w')}`,
    [
      batchId,
      tasks.map((t) => t.id),
      tasks.map((t) => t.waitingFor),
      tasks.map((t) => t.rewardCents),
      tasks.map((t) => t.minAnswers),
      tasks.map((t) => t.reservedAnswers),
    ],
  );
}

/**
 * An INSERT: min_answers open slots for every row of `from` (a CTE of work items with id, task_id,
 * batch_id, datum_id, reward_cents, status, min_answers) that is `collecting`, in work item order.
 */
export function openSlotsSql(from: string): string {
  return `INSERT INTO answer_slots (work_item_id, task_id, batch_id, datum_id, reward_cents, status)
     SELECT f.id, f.task_id, f.batch_id, f.datum_id, f.reward_cents, 'open'
       FROM ${from} f CROSS JOIN LATERAL generate_series(1, f.min_answers) AS n
      WHERE f.status = 'collecting'
      ORDER BY f.id, n`;
}

/**
 * The batch is canceled: its unclaimed work (open, waiting) is canceled — returned, so its escrow
 * can be refunded — and its claims are marked canceled (a live claim stays submittable and paid;
 * however else it ends, ClaimEndings refunds it). Returns the claims whose lease already lapsed,
 * for the caller to end now. Lock order: the caller holds the batch; work items are locked here.
 */
export async function cancelWorkOfBatch(em: EntityManager, batchId: string): Promise<{ unclaimedRewardCents: string[]; lapsedAssignmentIds: string[] }> {
  // a waiting work item holds its whole reservation (reserved_answers is 1 without overlap)
  const unclaimed = await sql<{ reward_cents: string }>(
    em,
    `UPDATE work_items SET status = 'canceled', updated = now() WHERE batch_id = $1 AND status IN ('open', 'waiting')
     RETURNING (reward_cents * reserved_answers)::text AS reward_cents`,
    [batchId],
  );
  // a datum collecting answers: what is neither paid nor held by a live claim comes back now; its
  // open slots are canceled, its claimed ones end as claims of canceled work do (ClaimEndings)
  const collecting = await sql<{ reward_cents: string }>(
    em,
    `WITH c AS (
       UPDATE work_items SET status = 'canceled', canceled = true, updated = now() WHERE batch_id = $1 AND status = 'collecting'
       RETURNING id, reward_cents, reserved_answers, approved_answers),
     o AS (
       UPDATE answer_slots SET status = 'canceled', updated = now() WHERE work_item_id IN (SELECT id FROM c) AND status = 'open'),
     h AS (
       SELECT work_item_id, count(*) AS n FROM answer_slots WHERE work_item_id IN (SELECT id FROM c) AND status = 'claimed' GROUP BY work_item_id)
     SELECT ((c.reserved_answers - c.approved_answers - coalesce(h.n, 0)) * c.reward_cents)::text AS reward_cents FROM c LEFT JOIN h ON h.work_item_id = c.id`,
    [batchId],
  );
  const claimed = await sql<{ assignment_id: string; lapsed: boolean }>(
    em,
    `UPDATE work_items SET canceled = true, updated = now() WHERE batch_id = $1 AND status = 'claimed'
     RETURNING assignment_id, (lease_expires_at <= now()) AS lapsed`,
    [batchId],
  );
  const lapsedSlots = await sql<{ assignment_id: string }>(
    em,
    `SELECT assignment_id FROM answer_slots WHERE batch_id = $1 AND status = 'claimed' AND lease_expires_at <= now()`,
    [batchId],
  );
  return {
    unclaimedRewardCents: [...unclaimed, ...collecting].map((w) => w.reward_cents),
    lapsedAssignmentIds: [...claimed.filter((c) => c.lapsed).map((c) => String(c.assignment_id)), ...lapsedSlots.map((c) => String(c.assignment_id))],
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

// ------------------------------------------------------------------ ending a claim (claim-endings.ts)

/**
 * The claimed assignment ends with `status` (`released` or `expired`); when `expiredIfLapsed`,
 * one whose lease already lapsed reads `expired` instead (the database clock decides).
 * A no-op for an assignment that is no longer `claimed`.
 */
export async function endAssignment(em: EntityManager, assignmentId: string, status: 'released' | 'expired', expiredIfLapsed: boolean): Promise<void> {
  await sql(
    em,
    `UPDATE assignments SET status = CASE WHEN $3 AND expires <= now() THEN 'expired' ELSE $2 END, updated = now()
      WHERE id = $1 AND status = 'claimed'`,
    [assignmentId, status, expiredIfLapsed],
  );
}

/** The claimed work item of a canceled batch is canceled (its claim ended). */
export async function cancelClaimedWorkItem(em: EntityManager, workItemId: string): Promise<void> {
  await sql(em, `UPDATE work_items SET status = 'canceled', updated = now() WHERE id = $1`, [workItemId]);
}

/** The work item's claim ended: it is open again, without assignment or lease. */
export async function reopenWorkItem(em: EntityManager, workItemId: string): Promise<void> {
  await sql(em, `UPDATE work_items SET status = 'open', assignment_id = NULL, lease_expires_at = NULL, updated = now() WHERE id = $1`, [workItemId]);
}

/**
 * The member lets go of the datum (they may claim it again) — unless they hold it again by a
 * later claim than assignment `assignmentId` (its lease is the one recorded).
 */
export async function letGoOfDatum(em: EntityManager, workItemId: string, memberId: string, assignmentId: string): Promise<void> {
  await sql(
    em,
    `UPDATE work_item_members SET state = 'let_go' WHERE work_item_id = $1 AND member_id = $2 AND state = 'holding'
        AND lease_expires_at = (SELECT expires FROM assignments WHERE id = $3)`,
    [workItemId, memberId, assignmentId],
  );
}

/** The slot's claim ended: it is open again, without assignment, member or lease. */
export async function reopenSlot(em: EntityManager, slotId: string): Promise<void> {
  await sql(em, `UPDATE answer_slots SET status = 'open', assignment_id = NULL, member_id = NULL, lease_expires_at = NULL, updated = now() WHERE id = $1`, [
    slotId,
  ]);
}

/** The slot of a canceled batch is canceled (its claim ended). */
export async function cancelSlot(em: EntityManager, slotId: string): Promise<void> {
  await sql(em, `UPDATE answer_slots SET status = 'canceled', updated = now() WHERE id = $1`, [slotId]);
}

// ------------------------------------------------------------------ a submit on a slot (submit-answer.usecase.ts)

/** A claim still `claimed` ends as a lapsed one does (`expired`); a no-op otherwise. */
export async function expireClaimedAssignment(em: EntityManager, assignmentId: string): Promise<void> {
  await sql(em, `UPDATE assignments SET status = 'expired', updated = now() WHERE id = $1 AND status = 'claimed'`, [assignmentId]);
}

/**
 * One more approved answer on the work item, if a reserved one is left: returns the new count,
 * or undefined when every reserved answer was already approved.
 */
export async function countApprovedAnswer(em: EntityManager, workItemId: string): Promise<{ approved_answers: number } | undefined> {
  return sqlOne<{ approved_answers: number }>(
    em,
    `UPDATE work_items SET approved_answers = approved_answers + 1, updated = now()
      WHERE id = $1 AND approved_answers < reserved_answers RETURNING approved_answers`,
    [workItemId],
  );
}
