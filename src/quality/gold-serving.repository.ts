import { EntityManager } from 'typeorm';
import { Params } from '../batches/datum-input';
import { sql, sqlOne } from '../database/sql';
import { memberBlockedSql } from '../members/members.repository';

/**
 * The SQL that writes gold_slots, gold_servings, gold_served, member_task_stats and the counters of
 * gold_items (the quality module owns them; docs/quality-and-scale.md "Gold serving as built").
 * Other modules' flows (pay, claim, submit, claim endings, completion, cancel) call these inside
 * their transaction. One function per statement.
 */

// ------------------------------------------------------------------ the gold share (pay, claim, completion)

/**
 * At pay: the batch's gold share of each task as `units` claimable gold slots worth the task's
 * frozen reward each. What the slots do not cover (gold_cents − units × reward) stays in the share
 * and comes back at completion or cancel.
 */
export async function openGoldSlots(em: EntityManager, batchId: string, tasks: Array<{ taskId: string; rewardCents: number; units: number }>): Promise<void> {
  const used = tasks.filter((t) => t.units > 0);
  if (used.length === 0) return;
  await sql(
    em,
    `INSERT INTO gold_slots (batch_id, task_id, reward_cents, status)
     SELECT $1, t.task_id, t.reward, 'open'
       FROM unnest($2::bigint[], $3::bigint[], $4::int[]) AS t(task_id, reward, units)
      CROSS JOIN LATERAL generate_series(1, t.units)`,
    [batchId, used.map((t) => t.taskId), used.map((t) => t.rewardCents), used.map((t) => t.units)],
  );
}

/** A gold claim takes one unused gold slot of the batch at the task (SKIP LOCKED: claims never wait on each other). */
export function takeGoldSlot(em: EntityManager, batchId: string, taskId: string): Promise<{ id: string; reward_cents: string } | undefined> {
  return sqlOne(
    em,
    `UPDATE gold_slots SET status = 'used'
      WHERE id = (SELECT id FROM gold_slots WHERE batch_id = $1 AND task_id = $2 AND status = 'open' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, reward_cents`,
    [batchId, taskId],
  );
}

/**
 * The batch completes or is canceled: its unused gold slots are void and what the share still
 * holds is returned — gold_cents minus the rewards of the slots gold servings took (those are paid
 * from, or refunded by, their serving). Locks the open slots, so a concurrent gold claim either
 * took its slot first (and this counts it as used) or skips it.
 */
export async function closeGoldShare(em: EntityManager, batchId: string): Promise<number> {
  await sql(em, `UPDATE gold_slots SET status = 'void' WHERE batch_id = $1 AND status = 'open'`, [batchId]);
  const r = await sqlOne<{ left: string }>(
    em,
    `SELECT (b.gold_cents - coalesce((SELECT sum(reward_cents) FROM gold_slots WHERE batch_id = b.id AND status = 'used'), 0))::text AS left
       FROM batches b WHERE b.id = $1`,
    [batchId],
  );
  return Number(r?.left ?? 0);
}

// ------------------------------------------------------------------ gold items (claim, submit)

/**
 * One gold item of the task the member has not been served, whose answer is among the task's
 * current labels, drawn at random (gold sets are small: ≤ a few thousand rows, one index range),
 * recorded as served to the member. Undefined when none is left (or a concurrent claim of the same
 * member took the same item: the primary key of gold_served refuses it, and nothing is served).
 */
export async function serveUnseenGold(
  em: EntityManager,
  taskId: string,
  memberId: string,
  labels: readonly string[],
): Promise<{ id: string; parameters: Params; answer: string } | undefined> {
  return sqlOne(
    em,
    `WITH g AS (
       SELECT g.id, g.parameters, g.answer FROM gold_items g
        WHERE g.task_id = $1 AND g.deleted_at IS NULL AND g.answer = ANY($3::text[])
          AND NOT EXISTS (SELECT 1 FROM gold_served s WHERE s.gold_item_id = g.id AND s.member_id = $2)
        ORDER BY random() LIMIT 1),
     s AS (
       INSERT INTO gold_served (gold_item_id, member_id) SELECT id, $2 FROM g ON CONFLICT DO NOTHING RETURNING gold_item_id)
     SELECT g.id, g.parameters, g.answer FROM g JOIN s ON s.gold_item_id = g.id`,
    [taskId, memberId, labels],
  );
}

/** The Gold object's answers_count and accuracy (§11.2) count one more answer. */
export async function countGoldAnswer(em: EntityManager, goldItemId: string, right: boolean): Promise<void> {
  await sql(em, `UPDATE gold_items SET answers_count = answers_count + 1, right_count = right_count + $2, updated = now() WHERE id = $1`, [
    goldItemId,
    right ? 1 : 0,
  ]);
}

// ------------------------------------------------------------------ gold servings

export interface GoldServingRow {
  work_item_id: string;
  batch_id: string;
  task_id: string;
  gold_item_id: string;
  member_id: string;
  funding: 'share' | 'reservation';
  gold_slot_id: string | null;
  reserved_from: string | null;
  reward_cents: string;
  /** the gold item's answer */
  expected: string;
  owner_id: string;
  guild_id: string;
}

export async function recordGoldServing(
  em: EntityManager,
  s: {
    workItemId: string;
    batchId: string;
    taskId: string;
    goldItemId: string;
    memberId: string;
    funding: 'share' | 'reservation';
    goldSlotId: string | null;
    reservedFrom: string | null;
    rewardCents: string;
  },
): Promise<void> {
  await sql(
    em,
    `INSERT INTO gold_servings (work_item_id, batch_id, task_id, gold_item_id, member_id, funding, gold_slot_id, reserved_from, reward_cents)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [s.workItemId, s.batchId, s.taskId, s.goldItemId, s.memberId, s.funding, s.goldSlotId, s.reservedFrom, s.rewardCents],
  );
}

/** The serving behind a gold work item (undefined for real work), with the batch that pays it. */
export function goldServingOf(em: EntityManager, workItemId: string): Promise<GoldServingRow | undefined> {
  return sqlOne<GoldServingRow>(
    em,
    `SELECT gs.*, g.answer AS expected, b.owner_id, b.guild_id
       FROM gold_servings gs JOIN gold_items g ON g.id = gs.gold_item_id JOIN batches b ON b.id = gs.batch_id
      WHERE gs.work_item_id = $1`,
    [workItemId],
  );
}

// ------------------------------------------------------------------ member_task_stats

export interface MemberTaskStatsRow {
  member_id: string;
  task_id: string;
  answers: number;
  gold_answers: number;
  gold_right: number;
  qual_answers: number;
  qual_right: number;
  qualified: boolean | null;
  model_skill: number | null;
  model_answers: number;
}

/**
 * One more answer of the member at the task (the member's own row: no other member's submit
 * touches it). A gold answer also counts as gold, right or not, and — while the member's
 * qualification is open (not failed, fewer than `qualGold` counted) — toward qualification.
 * Returns the row after the update.
 */
export async function countMemberAnswer(
  em: EntityManager,
  memberId: string,
  taskId: string,
  gold: { right: boolean; qualGold: number } | null,
): Promise<MemberTaskStatsRow> {
  const g = gold ? 1 : 0;
  const r = gold?.right ? 1 : 0;
  const rows = await sql<MemberTaskStatsRow>(
    em,
    `INSERT INTO member_task_stats AS st (member_id, task_id, answers, gold_answers, gold_right, qual_answers, qual_right)
     VALUES ($1, $2, 1, $3, $4, CASE WHEN $3 = 1 AND $5::int > 0 THEN 1 ELSE 0 END, CASE WHEN $3 = 1 AND $5::int > 0 THEN $4 ELSE 0 END)
     ON CONFLICT (member_id, task_id) DO UPDATE SET
       answers = st.answers + 1,
       gold_answers = st.gold_answers + $3,
       gold_right = st.gold_right + $4,
       qual_answers = st.qual_answers + CASE WHEN $3 = 1 AND st.qualified IS DISTINCT FROM false AND st.qual_answers < $5::int THEN 1 ELSE 0 END,
       qual_right = st.qual_right + CASE WHEN $3 = 1 AND st.qualified IS DISTINCT FROM false AND st.qual_answers < $5::int THEN $4 ELSE 0 END,
       updated = now()
     RETURNING *`,
    [memberId, taskId, g, r, gold?.qualGold ?? 0],
  );
  return rows[0];
}

/** The qualification is decided (§11.3): false is final for the task (§11.6). */
export async function setQualified(em: EntityManager, memberId: string, taskId: string, qualified: boolean): Promise<void> {
  await sql(
    em,
    `INSERT INTO member_task_stats AS st (member_id, task_id, qualified) VALUES ($1, $2, $3)
     ON CONFLICT (member_id, task_id) DO UPDATE SET qualified = $3, updated = now() WHERE st.qualified IS DISTINCT FROM false`,
    [memberId, taskId, qualified],
  );
}

/** The gold items of the task the member has not been served (the live ones whose answer is a current label). */
export async function unseenGoldCount(em: EntityManager, taskId: string, memberId: string, labels: readonly string[]): Promise<number> {
  const r = await sqlOne<{ n: number }>(
    em,
    `SELECT count(*)::int AS n FROM gold_items g
      WHERE g.task_id = $1 AND g.deleted_at IS NULL AND g.answer = ANY($3::text[])
        AND NOT EXISTS (SELECT 1 FROM gold_served s WHERE s.gold_item_id = g.id AND s.member_id = $2)`,
    [taskId, memberId, labels],
  );
  return r?.n ?? 0;
}

/** The refresh job's figures for the members it fitted: model accuracy and the answers behind it. */
export async function writeModelSkills(em: EntityManager, taskId: string, rows: Array<{ memberId: string; skill: number; answers: number }>): Promise<void> {
  if (rows.length === 0) return;
  await sql(
    em,
    `INSERT INTO member_task_stats AS st (member_id, task_id, model_skill, model_answers)
     SELECT m, $1, s, n FROM unnest($2::bigint[], $3::float8[], $4::int[]) AS x(m, s, n)
     ON CONFLICT (member_id, task_id) DO UPDATE SET model_skill = EXCLUDED.model_skill, model_answers = EXCLUDED.model_answers, updated = now()`,
    [taskId, rows.map((r) => r.memberId), rows.map((r) => r.skill), rows.map((r) => r.answers)],
  );
}

/** The member's stats at every task of their guild, with whether the task has an `answer` (for quality_score). */
export function statsOfMember(em: EntityManager, memberId: string): Promise<Array<MemberTaskStatsRow & { has_answer: boolean }>> {
  return sql(
    em,
    `SELECT st.*, (t.quality->>'answer') IS NOT NULL AS has_answer
       FROM member_task_stats st JOIN tasks t ON t.id = st.task_id WHERE st.member_id = $1`,
    [memberId],
  );
}

/** The WorkerSkill list of a task (§11.4): members with answers (or a decided qualification) there, newest member first. */
export function workerStatsOfTask(
  em: EntityManager,
  taskId: string,
  labels: readonly string[],
  limit: number,
  offset: number,
): Promise<Array<MemberTaskStatsRow & { unseen_gold: number; median_seconds: number | null }>> {
  return sql(
    em,
    `SELECT st.*,
            (SELECT count(*)::int FROM gold_items g
              WHERE g.task_id = st.task_id AND g.deleted_at IS NULL AND g.answer = ANY($4::text[])
                AND NOT EXISTS (SELECT 1 FROM gold_served s WHERE s.gold_item_id = g.id AND s.member_id = st.member_id)) AS unseen_gold,
            (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY an.seconds))::int
               FROM answers an JOIN work_items w ON w.id = an.work_item_id
              WHERE an.member_id = st.member_id AND w.task_id = st.task_id AND an.status = 'approved' AND an.seconds IS NOT NULL) AS median_seconds
       FROM member_task_stats st
      WHERE st.task_id = $1
      ORDER BY st.member_id DESC LIMIT $2 OFFSET $3`,
    [taskId, limit + 1, offset, labels],
  );
}

/** Whether each member is blocked in their guild (§12.4): the WorkerSkill list's `blocked`. */
export async function blockedMemberIds(em: EntityManager, memberIds: readonly string[]): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set();
  const rows = await sql<{ id: string }>(em, `SELECT m.id FROM members m WHERE m.id = ANY($1::bigint[]) AND ${memberBlockedSql('m')}`, [memberIds]);
  return new Set(rows.map((r) => String(r.id)));
}
