import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';

/**
 * The SQL of review (API.md §12.1–§12.3; docs/review.md) that writes the work module's tables:
 * submissions, answers, answer slots, work items. The flows are in review.usecase.ts and
 * submit-answer.usecase.ts; they lock in the module's order (work item → assignment → submission
 * → slot) before calling these.
 */

export const REJECT_REASONS = ['incorrect', 'incomplete', 'spam', 'other'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number] | 'gold_mismatch' | 'consensus';

/** A submission with what review needs, as lockSubmission reads it. */
export interface ReviewRow {
  id: string;
  assignment_id: string;
  datum_id: string;
  task_id: string;
  member_id: string;
  parameters: Record<string, unknown>;
  status: 'pending' | 'approved' | 'rejected';
  reward_cents: string;
  auto_approve_at: Date | null;
  reject_reason: string | null;
  rejected_at: Date | null;
  appeal_status: 'open' | 'approved' | 'upheld' | null;
  /** the answer on a slot (null for a §7 submit) */
  answer_id: string | null;
  slot_id: string | null;
  value: string | null;
  work_item_id: string;
  user_id: string;
  guild_id: string;
  owner_id: string;
  batch_id: string;
  /** the appeal window (7 days after the rejection) has passed, by the database clock */
  appeal_late: boolean;
  /** auto_approve_at has come, by the database clock */
  due: boolean;
}

const REVIEW_SELECT = `
  SELECT s.id, s.assignment_id, s.datum_id, s.task_id, s.member_id, s.parameters,
         -- an answer rejected at submit by the gold work (gold_mismatch, written on answers only) is rejected too
         CASE WHEN an.status = 'rejected' AND s.appeal_status IS DISTINCT FROM 'approved' THEN 'rejected' ELSE s.status END AS status,
         s.reward_cents, s.auto_approve_at, coalesce(s.reject_reason, an.reject_reason) AS reject_reason,
         coalesce(s.rejected_at, CASE WHEN an.status = 'rejected' THEN s.created END) AS rejected_at, s.appeal_status,
         an.id AS answer_id, an.slot_id, an.value, a.work_item_id, a.user_id, t.guild_id, g.owner_id, w.batch_id,
         (coalesce(s.rejected_at, CASE WHEN an.status = 'rejected' THEN s.created END) + interval '7 days' <= now()) IS TRUE AS appeal_late,
         (s.auto_approve_at IS NOT NULL AND s.auto_approve_at <= now()) AS due
    FROM submissions s
    JOIN assignments a ON a.id = s.assignment_id
    JOIN work_items w ON w.id = a.work_item_id
    JOIN tasks t ON t.id = s.task_id
    JOIN guilds g ON g.id = t.guild_id
    LEFT JOIN answers an ON an.assignment_id = s.assignment_id`;

/** The submission, unlocked (to find its work item, which is locked first). */
export async function readSubmission(em: EntityManager, id: string): Promise<ReviewRow | undefined> {
  return sqlOne<ReviewRow>(em, `${REVIEW_SELECT} WHERE s.id = $1`, [id]);
}

/** The submission row locked (after its work item), re-read with what review needs. */
export async function lockSubmission(em: EntityManager, id: string): Promise<ReviewRow | undefined> {
  await sql(em, 'SELECT 1 FROM submissions WHERE id = $1 FOR UPDATE', [id]);
  return readSubmission(em, id);
}

/**
 * The answer on a slot goes to review (§12.2 manual): assignment submitted, the submission
 * `pending` with its reward and auto_approve_at, the answer `pending` (value NULL at a task
 * without `answer`), the slot `pending`, the member recorded as having answered the datum (so a
 * rejection reopens the slot for another member). $1 assignment, $2 datum, $3 task, $4 member,
 * $5 parameters, $6 work item, $7 slot, $8 the answer's value, $9 auto_approve_after seconds.
 */
export async function recordPendingAnswer(
  em: EntityManager,
  p: {
    assignmentId: string;
    datumId: string;
    taskId: string;
    memberId: string;
    parameters: string;
    workItemId: string;
    slotId: string;
    value: string | null;
    autoApproveAfter: number;
  },
): Promise<{ submission_id: string; submission_created: Date; submitted_at: Date; auto_approve_at: Date; answer_id: string }> {
  return (await sqlOne(
    em,
    `WITH asg AS (
       UPDATE assignments SET status = 'submitted', submitted_at = now(), updated = now(),
              parameters_seen = (SELECT parameters FROM data WHERE id = $2::bigint) || $5::jsonb
        WHERE id = $1::bigint RETURNING submitted_at, created, reward_cents),
     sub AS (
       INSERT INTO submissions (assignment_id, datum_id, task_id, member_id, parameters, status, reward_cents, seconds, auto_approve_at)
       SELECT $1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::jsonb, 'pending', asg.reward_cents,
              round(extract(epoch FROM (asg.submitted_at - asg.created)))::int, now() + make_interval(secs => $9::int)
         FROM asg
       RETURNING id, created, auto_approve_at),
     ans AS (
       INSERT INTO answers (work_item_id, slot_id, assignment_id, member_id, value, status, seconds)
       SELECT $6::bigint, $7::bigint, $1::bigint, $4::bigint, $8::text, 'pending', round(extract(epoch FROM (now() - asg.created)))::int FROM asg
       RETURNING id),
     sl AS (
       UPDATE answer_slots SET status = 'pending', updated = now() WHERE id = $7::bigint),
     mem AS (
       UPDATE work_item_members SET state = 'answered' WHERE work_item_id = $6::bigint AND member_id = $4::bigint)
     SELECT sub.id AS submission_id, sub.created AS submission_created, sub.auto_approve_at, asg.submitted_at, (SELECT id FROM ans) AS answer_id
       FROM sub CROSS JOIN asg`,
    [p.assignmentId, p.datumId, p.taskId, p.memberId, p.parameters, p.workItemId, p.slotId, p.value, p.autoApproveAfter],
  ))!;
}

/** A pending submission is approved: it, its answer and its slot. */
export async function markApproved(em: EntityManager, s: { id: string; answerId: string | null; slotId: string | null }): Promise<void> {
  await sql(em, `UPDATE submissions SET status = 'approved', updated = now() WHERE id = $1`, [s.id]);
  if (s.answerId) await sql(em, `UPDATE answers SET status = 'approved' WHERE id = $1`, [s.answerId]);
  if (s.slotId) await sql(em, `UPDATE answer_slots SET status = 'approved', updated = now() WHERE id = $1 AND status = 'pending'`, [s.slotId]);
}

/**
 * A pending submission is rejected with its reason, message and evidence; its slot reopens for
 * another member (`reopen`: the rejected member stays recorded as having answered the datum) or,
 * when the task no longer wants answers for the datum, is canceled.
 */
export async function markRejected(
  em: EntityManager,
  s: { id: string; answerId: string | null; slotId: string | null; reason: RejectReason; message: string; evidence: unknown; reopen: boolean },
): Promise<void> {
  const evidence = JSON.stringify(s.evidence);
  await sql(
    em,
    `UPDATE submissions SET status = 'rejected', reject_reason = $2, reject_message = $3, evidence = $4::jsonb, rejected_at = now(), updated = now()
      WHERE id = $1`,
    [s.id, s.reason, s.message, evidence],
  );
  if (s.answerId) {
    await sql(em, `UPDATE answers SET status = 'rejected', reject_reason = $2, reject_message = $3, evidence = $4::jsonb WHERE id = $1`, [
      s.answerId,
      s.reason,
      s.message,
      evidence,
    ]);
  }
  if (!s.slotId) return;
  if (s.reopen) {
    await sql(
      em,
      `UPDATE answer_slots SET status = 'open', assignment_id = NULL, member_id = NULL, lease_expires_at = NULL, updated = now() WHERE id = $1 AND status = 'pending'`,
      [s.slotId],
    );
  } else {
    await sql(em, `UPDATE answer_slots SET status = 'canceled', updated = now() WHERE id = $1 AND status = 'pending'`, [s.slotId]);
  }
}

/** A rejected answer's reservation went back to the requester (the task was done with the datum): counted on its work item. */
export async function addRefundedCents(em: EntityManager, workItemId: string, cents: number): Promise<void> {
  await sql(em, `UPDATE work_items SET refunded_cents = coalesce(refunded_cents, 0) + $2, updated = now() WHERE id = $1`, [workItemId, cents]);
}

export async function openAppeal(em: EntityManager, id: string, message: string): Promise<void> {
  await sql(em, `UPDATE submissions SET appeal_status = 'open', appeal_message = $2, appeal_created = now(), updated = now() WHERE id = $1`, [id, message]);
}

/**
 * The owner decides an open appeal. Approved: the submission is approved (paid by the caller from
 * the owner's wallet); its answer counts in the aggregate only when `countAnswer` (the task is not
 * yet done with the datum).
 */
export async function decideAppeal(
  em: EntityManager,
  s: { id: string; answerId: string | null; decision: 'approved' | 'upheld'; message: string | null; countAnswer: boolean },
): Promise<void> {
  await sql(
    em,
    `UPDATE submissions SET appeal_status = $2, appeal_answer = $3, appeal_decided = now(),
            status = CASE WHEN $2 = 'approved' THEN 'approved' ELSE status END, updated = now()
      WHERE id = $1`,
    [s.id, s.decision, s.message],
  );
  if (s.decision === 'approved' && s.answerId && s.countAnswer) await sql(em, `UPDATE answers SET status = 'approved' WHERE id = $1`, [s.answerId]);
}

/** The pending answers of a work item (for consensus rejection), oldest first. */
export async function pendingOfWorkItem(em: EntityManager, workItemId: string): Promise<Array<{ submission_id: string; value: string | null }>> {
  return sql(
    em,
    `SELECT s.id AS submission_id, an.value FROM answers an JOIN submissions s ON s.assignment_id = an.assignment_id
      WHERE an.work_item_id = $1 AND an.status = 'pending' ORDER BY an.id`,
    [workItemId],
  );
}

export async function pendingCountOfWorkItem(em: EntityManager, workItemId: string): Promise<number> {
  const r = await sqlOne<{ n: number }>(em, `SELECT count(*)::int AS n FROM answers WHERE work_item_id = $1 AND status = 'pending'`, [workItemId]);
  return r!.n;
}
