import { answerDatumSql, countFinishedShardSql, countOnShardSql } from '../batches/batches.repository';
import { guildMovementCtes } from '../ledger/ledger-sql';
import { openSlotsSql } from './work.repository';
import { memberBlockedSql } from '../members/members.repository';

/**
 * The SQL of the claim/submit hot path (docs/batches.md "Work: the SQL"), in one place so the
 * benchmark's pgbench baseline (bench/run.ts) runs exactly these statements. Each is one round
 * trip; the parameter lists name what each $n is.
 */

/**
 * The member \`$2\` may claim now: active and not blocked (API.md §12.4). Read FOR SHARE by the claim
 * statements (first, as a one-time filter, so no work is locked for a member who may not claim):
 * a block or removal in flight (FOR UPDATE of the row) makes the claim wait for it and then see
 * its outcome; a block waits for the claims in flight and then ends what they claimed.
 */
const CLAIMER_CTE = `mb AS (SELECT id FROM members m WHERE m.id = $2::bigint AND m.status = 'active' AND NOT ${memberBlockedSql('m')} FOR SHARE)`;

/** Task, the caller's active membership of its guild (and its block, §12.4) and their subscription, in one query. */
export const CLAIM_CHECK_SQL = `
  SELECT t.guild_id, t.lease_seconds, m.id AS member_id, (s.member_id IS NOT NULL) AS subscribed,
         ${memberBlockedSql('m')} AS blocked, m.blocked_reason, m.blocked_until,
         (t.quality->>'answer') IS NOT NULL AS slotted,
         -- where the task's claimable work is (index probes of the claim indexes): work items (§7), answer slots (§11.1)
         EXISTS (SELECT 1 FROM work_items w WHERE w.task_id >= t.id AND w.task_id <= t.id AND w.status IN ('open', 'claimed')) AS has_items,
         EXISTS (SELECT 1 FROM answer_slots sl WHERE sl.task_id >= t.id AND sl.task_id <= t.id AND sl.status IN ('open', 'claimed')) AS has_slots,
         -- quality (§11.2–§11.4): the settings, the member's counters at the task (one primary-key
         -- probe) and the gold they have not been served (gold sets are small; only for a task with labels)
         t.quality, st.gold_answers, st.gold_right, st.qual_answers, st.qual_right, st.qualified, st.model_skill, st.model_answers,
         CASE WHEN jsonb_typeof(t.quality->'labels') = 'array' AND m.id IS NOT NULL THEN
           (SELECT count(*)::int FROM gold_items g
             WHERE g.task_id = t.id AND g.deleted_at IS NULL AND (t.quality->'labels') ? g.answer
               AND NOT EXISTS (SELECT 1 FROM gold_served gs WHERE gs.gold_item_id = g.id AND gs.member_id = m.id)) END AS unseen_gold
    FROM tasks t
    LEFT JOIN members m ON m.guild_id = t.guild_id AND m.user_id = $2 AND m.status = 'active'
    LEFT JOIN subscriptions s ON s.member_id = m.id AND s.task_id = t.id
    LEFT JOIN member_task_stats st ON st.member_id = m.id AND st.task_id = t.id
   WHERE t.id = $1`;
export const CLAIM_CHECK_PARAMS = ['task_id', 'user_id'] as const;

/**
 * The claim, one statement (so one implicit transaction): the oldest open work item of the task
 * (a claimed one whose lease lapsed is open again unless its batch was canceled), locked with
 * SKIP LOCKED; the lapsed claim's assignment expired; the new assignment; the work item claimed.
 * Returns the assignment as the presenter needs it (no row: no open work). The datum's parameters
 * are kept on the assignment (parameters_seen): once it ends, that is all its holder may see.
 *
 * \`task_id >= $1 AND task_id <= $1 … ORDER BY task_id, id\` is \`task_id = $1 ORDER BY id\` written so
 * that only work_items_claimable_idx (task_id, id) WHERE status IN ('open', 'claimed') can return
 * the order: with \`task_id = $1\` the planner walks the primary key instead (it assumes open rows
 * are spread evenly), and every claim then steps over all the done work of the queue's consumed
 * prefix — O(consumed) per claim (measured: 9 ms after 3,000 submits, growing).
 */
export const CLAIM_SQL = `
  WITH ${CLAIMER_CTE},
  w AS (
    SELECT id, datum_id, reward_cents, status, assignment_id FROM work_items
     WHERE task_id >= $1::bigint AND task_id <= $1::bigint AND status IN ('open', 'claimed')
       AND (status = 'open' OR (lease_expires_at <= now() AND NOT canceled))
       AND EXISTS (SELECT 1 FROM mb)
     ORDER BY task_id, id
     LIMIT 1
     FOR UPDATE SKIP LOCKED),
  lapsed AS (
    UPDATE assignments SET status = 'expired', updated = now()
     WHERE id = (SELECT assignment_id FROM w WHERE status = 'claimed') AND status = 'claimed'),
  a AS (
    INSERT INTO assignments (work_item_id, member_id, user_id, task_id, datum_id, token_hash, reward_cents, expires, parameters_seen)
    SELECT w.id, $2::bigint, $3::bigint, $1::bigint, w.datum_id, $4::bytea, w.reward_cents, now() + make_interval(secs => $5::int),
           (SELECT parameters FROM data WHERE id = w.datum_id) FROM w
    RETURNING *),
  claimed AS (
    UPDATE work_items SET status = 'claimed', assignment_id = a.id, lease_expires_at = a.expires, updated = now()
      FROM a WHERE work_items.id = a.work_item_id)
  SELECT a.*, d.parameters, ws.preview, false AS lapsed
    FROM a
    JOIN data d ON d.id = a.datum_id
    JOIN tasks t ON t.id = a.task_id
    LEFT JOIN workspaces ws ON ws.id = t.workspace_id`;
export const CLAIM_PARAMS = ['task_id', 'member_id', 'user_id', 'token_hash', 'lease_seconds'] as const;

/**
 * The claim at a task with overlap (API.md §11.1), one statement as CLAIM_SQL: the oldest open
 * answer slot of the task (or a claimed one whose lease lapsed) of a datum the member neither holds
 * nor answered there — one work_item_members primary-key probe per candidate, so a claim does not
 * grow with the member's history (the slots skipped are the in-flight data at the head of the
 * queue this member already has) — locked with SKIP LOCKED; the member recorded as holding the
 * datum; the lapsed claim's assignment expired; the new assignment; the slot claimed.
 *
 * A lapsed or released holding (state let_go, or holding past its lease) lets the member claim the
 * datum again (§11.6 "Slots"). Two processes racing for one member on one datum: the second
 * INSERT meets the first's row, its DO UPDATE condition fails, no row comes back and nothing else
 * happens (every later CTE reads \`m\`); \`raced\` says so and the caller claims once more. Always
 * returns one row; no assignment = its columns NULL.
 */
export const SLOT_CLAIM_SQL = `
  WITH ${CLAIMER_CTE},
  s AS (
    SELECT sl.id, sl.work_item_id, sl.datum_id, sl.reward_cents, sl.status, sl.assignment_id FROM answer_slots sl
     WHERE sl.task_id >= $1::bigint AND sl.task_id <= $1::bigint AND sl.status IN ('open', 'claimed')
       AND (sl.status = 'open' OR sl.lease_expires_at <= now())
       AND EXISTS (SELECT 1 FROM mb)
       AND NOT EXISTS (SELECT 1 FROM work_item_members x
                        WHERE x.work_item_id = sl.work_item_id AND x.member_id = $2::bigint
                          AND (x.state = 'answered' OR (x.state = 'holding' AND x.lease_expires_at > now())))
     ORDER BY sl.task_id, sl.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED),
  m AS (
    INSERT INTO work_item_members (work_item_id, member_id, state, lease_expires_at)
    SELECT s.work_item_id, $2::bigint, 'holding', now() + make_interval(secs => $5::int) FROM s
    ON CONFLICT (work_item_id, member_id) DO UPDATE SET state = 'holding', lease_expires_at = EXCLUDED.lease_expires_at
     WHERE work_item_members.state = 'let_go' OR (work_item_members.state = 'holding' AND work_item_members.lease_expires_at <= now())
    RETURNING work_item_id),
  lapsed AS (
    UPDATE assignments SET status = 'expired', updated = now()
     WHERE id = (SELECT assignment_id FROM s JOIN m ON true WHERE s.status = 'claimed') AND status = 'claimed'),
  a AS (
    INSERT INTO assignments (work_item_id, slot_id, member_id, user_id, task_id, datum_id, token_hash, reward_cents, expires, parameters_seen)
    SELECT s.work_item_id, s.id, $2::bigint, $3::bigint, $1::bigint, s.datum_id, $4::bytea, s.reward_cents, now() + make_interval(secs => $5::int),
           (SELECT parameters FROM data WHERE id = s.datum_id) FROM s JOIN m ON true
    RETURNING *),
  claimed AS (
    UPDATE answer_slots SET status = 'claimed', assignment_id = a.id, member_id = $2::bigint, lease_expires_at = a.expires, updated = now()
      FROM a WHERE answer_slots.id = a.slot_id)
  SELECT a.*, d.parameters, ws.preview, false AS lapsed, (EXISTS (SELECT 1 FROM s) AND NOT EXISTS (SELECT 1 FROM m)) AS raced
    FROM (SELECT 1) one
    LEFT JOIN a ON true
    LEFT JOIN data d ON d.id = a.datum_id
    LEFT JOIN tasks t ON t.id = a.task_id
    LEFT JOIN workspaces ws ON ws.id = t.workspace_id`;

/**
 * The parameters an assignment's holder may see (issue 13): the datum's current ones while the
 * claim is live; once it ended (released, submitted, expired, member removed) only what they saw
 * while it was live (parameters_seen), never later outputs of other workers; nothing once the
 * batch was canceled (its data are deleted). Needs \`a\` (assignments) and \`d\` (data) in scope.
 */
export const VISIBLE_PARAMETERS_SQL = `CASE WHEN d.status = 'canceled' THEN '{}'::jsonb
       WHEN a.status = 'claimed' AND a.expires > now() THEN d.parameters
       ELSE coalesce(a.parameters_seen, '{}'::jsonb) END`;

/**
 * Two CTEs, \`next\` and \`next_slots\`: the datum \`datumId\` moves on from task \`taskId\` along the
 * batch's connections — each successor waits for one input less, and at none is open (or, at a
 * task with overlap, collecting with overlap.min open slots). SQL expressions of the composing statement.
 */
export function moveOnCtes(p: { batchId: string; taskId: string; datumId: string }): string {
  return `next AS (
    UPDATE work_items s
       SET waiting_for = s.waiting_for - 1,
           status = CASE WHEN s.waiting_for > 1 THEN s.status WHEN s.min_answers IS NULL THEN 'open' ELSE 'collecting' END,
           updated = now()
      FROM batch_connections bc
     WHERE bc.batch_id = ${p.batchId}::bigint AND bc.source_task_id = ${p.taskId}::bigint
       AND s.datum_id = ${p.datumId}::bigint AND s.task_id = bc.target_task_id AND s.status = 'waiting'
    RETURNING s.id, s.task_id, s.batch_id, s.datum_id, s.reward_cents, s.status, s.min_answers),
  next_slots AS (
    ${openSlotsSql('next')})`;
}

/** Submit, step 1 (lock order: the work item first). */
export const SUBMIT_LOCK_WORK_SQL = `SELECT * FROM work_items WHERE id = (SELECT work_item_id FROM assignments WHERE id = $1) FOR UPDATE`;
export const SUBMIT_LOCK_WORK_PARAMS = ['assignment_id'] as const;

/**
 * Submit, step 2: the assignment (locked), with what the rest of the submit needs: the guild,
 * the workspace preview (for the response), and the escrow and the worker's wallet (null until
 * they exist; the caller then creates them with ensureEscrow/ensureWallet).
 */
export const SUBMIT_LOCK_ASSIGNMENT_SQL = `
  SELECT a.*, (a.expires <= now()) AS lapsed, t.guild_id, ws.preview,
         (SELECT id FROM ledger_accounts WHERE kind = 'escrow' AND guild_id = t.guild_id) AS escrow_id,
         (SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND guild_id = t.guild_id AND user_id = a.user_id) AS wallet_id
    FROM assignments a
    JOIN tasks t ON t.id = a.task_id
    LEFT JOIN workspaces ws ON ws.id = t.workspace_id
   WHERE a.id = $1
   FOR UPDATE OF a`;
export const SUBMIT_LOCK_ASSIGNMENT_PARAMS = ['assignment_id'] as const;

/**
 * Submit, step 3 — the whole state change of a live (not canceled) claim in one statement, in the
 * module's lock order: work item done, assignment submitted, submission row, successors along
 * the batch's connections, datum merged and batch counted if the datum completed (fragments of
 * batches.repository.ts, the owner of data and batches), and the reward (ledger-sql.ts)
 * (escrow → wallet, business key work:<id>:reward; the entries in account-id order, so their
 * balance triggers lock the accounts in that order, after the batch). A reused business key
 * moves nothing; a zero reward makes no ledger transaction (like MoneyService.reward).
 */
export const SUBMIT_SQL = `
  WITH done AS (
    UPDATE work_items SET status = 'done', updated = now() WHERE id = $1),
  asg AS (
    UPDATE assignments SET status = 'submitted', submitted_at = now(), updated = now(),
           parameters_seen = (SELECT parameters FROM data WHERE id = $3) || $6::jsonb
     WHERE id = $2 RETURNING *),
  sub AS (
    INSERT INTO submissions (assignment_id, datum_id, task_id, member_id, parameters) VALUES ($2::bigint, $3::bigint, $4::bigint, $5::bigint, $6::jsonb)
    RETURNING id, created),
  ${moveOnCtes({ batchId: '$7', taskId: '$4', datumId: '$3' })},
  d AS (
    ${answerDatumSql({ datumId: '$3', answer: '$6' })}),
  ${guildMovementCtes('reward', { kind: 'reward', businessKey: '$8', batchId: '$7', amount: '$9', from: '$10', to: '$11' })},
  shard AS (
    ${countOnShardSql({ batchId: '$7', datumId: '$3', spent: '$9::bigint * (SELECT count(*) FROM reward_tx)', refunded: '0', answers: '1', completed: "(SELECT status FROM d) = 'completed'" })}),
  b AS (
    ${countFinishedShardSql({ batchId: '$7', shardCte: 'shard' })})
  SELECT asg.*, d.parameters, b.status AS batch_status, coalesce(b.just_completed, false) AS just_completed,
         sub.id AS submission_id, sub.created AS submission_created,
         d.status AS datum_status, d.created AS datum_created, d.updated AS datum_updated,
         -- live progress (API.md §13.3): wake the streams of this batch, only when some process watches it
         (SELECT count(pg_notify('og_batch_progress', $7::text)) FROM batch_watchers WHERE batch_id = $7::bigint AND expires_at > now()) AS notified,
         -- whether any webhook of the batch wants an event of this submit (then WebhooksService.enqueueEvents runs)
         EXISTS (SELECT 1 FROM webhooks WHERE batch_id = $7::bigint AND deleted_at IS NULL
                    AND events && ARRAY['submission.created', 'datum.completed', 'batch.progress']) AS event_hooks
    FROM asg CROSS JOIN d CROSS JOIN sub LEFT JOIN b ON true`;
export const SUBMIT_PARAMS = [
  'work_item_id',
  'assignment_id',
  'datum_id',
  'task_id',
  'member_id',
  'parameters',
  'batch_id',
  'business_key',
  'reward_cents',
  'escrow_id',
  'wallet_id',
] as const;

// ------------------------------------------------------------------ answers on slots (§11.1)

/**
 * The answer on a slot is recorded (submit-answer.usecase.ts): assignment submitted, the submission
 * (the datum's history, §5.3), the answer row (none when $8 is NULL: the batch was canceled and
 * nothing of the answer is kept), the slot approved (or canceled), the member recorded as having
 * answered the datum. $1 assignment, $2 datum, $3 task, $4 member, $5 parameters, $6 work item,
 * $7 slot, $8 the answer's value.
 */
export const SLOT_ANSWER_SQL = `
  WITH asg AS (
    UPDATE assignments SET status = 'submitted', submitted_at = now(), updated = now(),
           parameters_seen = (SELECT parameters FROM data WHERE id = $2::bigint) || $5::jsonb
     WHERE id = $1::bigint RETURNING submitted_at, created),
  sub AS (
    INSERT INTO submissions (assignment_id, datum_id, task_id, member_id, parameters) VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::jsonb)
    RETURNING id, created),
  ans AS (
    INSERT INTO answers (work_item_id, slot_id, assignment_id, member_id, value, status, seconds)
    SELECT $6::bigint, $7::bigint, $1::bigint, $4::bigint, $8::text, 'approved', round(extract(epoch FROM (now() - asg.created)))::int
      FROM asg WHERE $8::text IS NOT NULL
    RETURNING id),
  sl AS (
    UPDATE answer_slots SET status = CASE WHEN $8::text IS NULL THEN 'canceled' ELSE 'approved' END, updated = now() WHERE id = $7::bigint),
  mem AS (
    UPDATE work_item_members SET state = 'answered' WHERE work_item_id = $6::bigint AND member_id = $4::bigint)
  SELECT sub.id AS submission_id, sub.created AS submission_created, asg.submitted_at, (SELECT id FROM ans) AS answer_id FROM sub CROSS JOIN asg`;

/** Opens open slots of work item $1 until $2 are outstanding (open or claimed); none when as many are. */
export const ONE_MORE_SLOT_SQL = `
  INSERT INTO answer_slots (work_item_id, task_id, batch_id, datum_id, reward_cents, status)
  SELECT w.id, w.task_id, w.batch_id, w.datum_id, w.reward_cents, 'open'
    FROM work_items w
   CROSS JOIN generate_series(1, $2::int - (SELECT count(*)::int FROM answer_slots WHERE work_item_id = $1::bigint AND status IN ('open', 'claimed'))) AS n
   WHERE w.id = $1::bigint`;

/**
 * The task is done with the datum (§11.1): the work item done with its aggregate, confidence and
 * refund; its outstanding slots canceled (a late submit on one is a 410); the datum gains the
 * aggregate and its confidence and moves on as after a §7 submit (successors, datum completed,
 * batch counted). $1 work item, $2 aggregate, $3 confidence, $4 refunded cents, $5 datum, $6 task,
 * $7 batch, $8 the parameters merged into the datum.
 */
export const DONE_WITH_DATUM_SQL = `
  WITH done AS (
    UPDATE work_items SET status = 'done', aggregate = $2::text, confidence = $3::float8, refunded_cents = $4::bigint, updated = now()
     WHERE id = $1::bigint),
  outstanding AS (
    UPDATE answer_slots SET status = 'canceled', updated = now() WHERE work_item_id = $1::bigint AND status IN ('open', 'claimed')),
  ${moveOnCtes({ batchId: '$7', taskId: '$6', datumId: '$5' })},
  d AS (
    ${answerDatumSql({ datumId: '$5::bigint', answer: '$8' })}),
  shard AS (
    ${countOnShardSql({ batchId: '$7', datumId: '$5', spent: '0', refunded: '0', answers: '0', completed: "(SELECT status FROM d) = 'completed'" })}),
  b AS (
    ${countFinishedShardSql({ batchId: '$7::bigint', shardCte: 'shard' })})
  SELECT b.status AS batch_status, coalesce(b.just_completed, false) AS just_completed,
         (SELECT owner_id FROM batches WHERE id = $7::bigint) AS owner_id,
         (SELECT count(pg_notify('og_batch_progress', $7::text)) FROM batch_watchers WHERE batch_id = $7::bigint AND expires_at > now()) AS notified
    FROM d LEFT JOIN b ON true`;
