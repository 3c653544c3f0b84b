import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { AssignmentView } from './rows';

/**
 * The SQL of serving gold (API.md §11.2, §11.6 "Gold serving") on the work module's tables
 * (work_items, answer_slots, assignments, submissions, answers). A served gold item is a work item
 * with `batch_id` NULL (its hidden datum has none either), one answer slot and one assignment;
 * quality's gold_servings row says which batch pays it. Its slot is claimed with a lease that never
 * lapses (`infinity`): the slot claim (SLOT_CLAIM_SQL) must never hand it to anyone else — when its
 * claim ends without an answer, ClaimEndings cancels it instead.
 */

/**
 * The oldest answer slot of the task that a claim could take (open, or claimed with a lapsed lease):
 * its batch is "the oldest processing batch with open work at the task" a gold claim is tied to.
 * The same index walk as SLOT_CLAIM_SQL. Undefined: no real work is open.
 */
export function headOfTask(em: EntityManager, taskId: string): Promise<{ batch_id: string; work_item_id: string; reward_cents: string } | undefined> {
  return sqlOne(
    em,
    `SELECT sl.batch_id, sl.work_item_id, sl.reward_cents FROM answer_slots sl
      WHERE sl.task_id >= $1::bigint AND sl.task_id <= $1::bigint AND sl.status IN ('open', 'claimed')
        AND (sl.status = 'open' OR sl.lease_expires_at <= now())
      ORDER BY sl.task_id, sl.id LIMIT 1`,
    [taskId],
  );
}

/**
 * A gold answer paid from the batch's reservation (§11.6: when its gold share is spent): one answer
 * the work item reserved and does not need for what is outstanding (reserved − approved − open or
 * claimed slots > 0; there is such spare only below overlap.max) moves to the gold serving. The
 * work item then stops at its new reserved_answers (submit-answer.usecase.ts caps overlap.max).
 */
export function reserveAnswerForGold(em: EntityManager, workItemId: string): Promise<{ id: string; reward_cents: string } | undefined> {
  return sqlOne(
    em,
    `UPDATE work_items w SET reserved_answers = w.reserved_answers - 1, updated = now()
      WHERE w.id = $1 AND w.status = 'collecting' AND NOT w.canceled
        AND w.reserved_answers > w.approved_answers + (SELECT count(*) FROM answer_slots s WHERE s.work_item_id = w.id AND s.status IN ('open', 'claimed'))
      RETURNING w.id, w.reward_cents`,
    [workItemId],
  );
}

/**
 * The gold work of one claim, two statements: the work item (collecting, one answer reserved),
 * its slot claimed by the member, and the assignment — returned as the slot claim returns it, so
 * the presenter renders it exactly as real work.
 */
export async function openGoldWork(
  em: EntityManager,
  p: { batchId: string; taskId: string; datumId: string; rewardCents: string; memberId: string; userId: string; tokenHash: Buffer; leaseSeconds: number },
): Promise<AssignmentView & { work_item_id: string }> {
  // the work item and its slot first: a later CTE of the same statement could not update the new slot
  const slot = (await sqlOne<{ id: string; work_item_id: string }>(
    em,
    `WITH w AS (
       INSERT INTO work_items (batch_id, datum_id, task_id, status, waiting_for, reward_cents, min_answers, reserved_answers)
       VALUES (NULL, $3::bigint, $2::bigint, 'collecting', 0, $4::bigint, 1, 1)
       RETURNING id)
     INSERT INTO answer_slots (work_item_id, task_id, batch_id, datum_id, reward_cents, status, member_id, lease_expires_at)
     SELECT w.id, $2::bigint, $1::bigint, $3::bigint, $4::bigint, 'claimed', $5::bigint, 'infinity' FROM w
     RETURNING id, work_item_id`,
    [p.batchId, p.taskId, p.datumId, p.rewardCents, p.memberId],
  ))!;
  return (await sqlOne<AssignmentView & { work_item_id: string }>(
    em,
    `WITH a AS (
       INSERT INTO assignments (work_item_id, slot_id, member_id, user_id, task_id, datum_id, token_hash, reward_cents, expires, parameters_seen)
       VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bytea, $8::bigint, now() + make_interval(secs => $9::int),
               (SELECT parameters FROM data WHERE id = $6::bigint))
       RETURNING *),
     claimed AS (
       UPDATE answer_slots SET assignment_id = a.id FROM a WHERE answer_slots.id = a.slot_id)
     SELECT a.*, d.parameters, ws.preview, false AS lapsed
       FROM a
       JOIN data d ON d.id = a.datum_id
       JOIN tasks t ON t.id = a.task_id
       LEFT JOIN workspaces ws ON ws.id = t.workspace_id`,
    [slot.work_item_id, slot.id, p.memberId, p.userId, p.taskId, p.datumId, p.tokenHash, p.rewardCents, p.leaseSeconds],
  ))!;
}

/**
 * A gold answer is recorded, one statement: assignment submitted, the submission, the answer row
 * (approved, or rejected with its reason and evidence), the slot approved (or canceled), the work
 * item done with its one answer (nothing to refund) or canceled. Nothing moves along a pipeline and
 * no datum or batch is counted: gold is outside every batch's progress.
 */
export function finishGoldWork(
  em: EntityManager,
  p: {
    assignmentId: string;
    datumId: string;
    taskId: string;
    memberId: string;
    parameters: string;
    workItemId: string;
    slotId: string;
    value: string;
    rejected: { reason: string; evidence: object } | null;
  },
): Promise<{ submission_id: string; answer_id: string }> {
  return sqlOne<{ submission_id: string; answer_id: string }>(
    em,
    `WITH asg AS (
       UPDATE assignments SET status = 'submitted', submitted_at = now(), updated = now(),
              parameters_seen = (SELECT parameters FROM data WHERE id = $2::bigint) || $5::jsonb
        WHERE id = $1::bigint RETURNING created),
     sub AS (
       INSERT INTO submissions (assignment_id, datum_id, task_id, member_id, parameters) VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::jsonb)
       RETURNING id),
     ans AS (
       INSERT INTO answers (work_item_id, slot_id, assignment_id, member_id, value, status, seconds, reject_reason, evidence)
       SELECT $6::bigint, $7::bigint, $1::bigint, $4::bigint, $8::text, CASE WHEN $9::text IS NULL THEN 'approved' ELSE 'rejected' END,
              round(extract(epoch FROM (now() - asg.created)))::int, $9::text, $10::jsonb
         FROM asg
       RETURNING id),
     sl AS (
       UPDATE answer_slots SET status = CASE WHEN $9::text IS NULL THEN 'approved' ELSE 'canceled' END, updated = now() WHERE id = $7::bigint),
     w AS (
       UPDATE work_items SET status = CASE WHEN $9::text IS NULL THEN 'done' ELSE 'canceled' END,
              approved_answers = CASE WHEN $9::text IS NULL THEN 1 ELSE 0 END,
              refunded_cents = CASE WHEN $9::text IS NULL THEN 0 ELSE NULL END,
              aggregate = CASE WHEN $9::text IS NULL THEN $8::text END, updated = now()
        WHERE id = $6::bigint)
     SELECT sub.id AS submission_id, ans.id AS answer_id FROM sub CROSS JOIN ans`,
    [
      p.assignmentId,
      p.datumId,
      p.taskId,
      p.memberId,
      p.parameters,
      p.workItemId,
      p.slotId,
      p.value,
      p.rejected?.reason ?? null,
      p.rejected ? JSON.stringify(p.rejected.evidence) : null,
    ],
  ) as Promise<{ submission_id: string; answer_id: string }>;
}

/** The claim of gold work ended without an answer (released, lapsed, member removed): slot and work item canceled for good. */
export async function cancelGoldWork(em: EntityManager, workItemId: string, slotId: string): Promise<void> {
  await sql(em, `UPDATE answer_slots SET status = 'canceled', updated = now() WHERE id = $1`, [slotId]);
  await sql(em, `UPDATE work_items SET status = 'canceled', updated = now() WHERE id = $1`, [workItemId]);
}
