import { answerDatumSql, countCompletedDatumSql } from '../batches/batches.repository';
import { guildMovementCtes } from '../ledger/ledger-sql';

/**
 * The SQL of the claim/submit hot path (docs/batches.md "Work: the SQL"), in one place so the
 * benchmark's pgbench baseline (bench/run.ts) runs exactly these statements. Each is one round
 * trip; the parameter lists name what each $n is.
 */

/** Task, the caller's active membership of its guild and their subscription, in one query. */
export const CLAIM_CHECK_SQL = `
  SELECT t.guild_id, t.lease_seconds, m.id AS member_id, (s.member_id IS NOT NULL) AS subscribed
    FROM tasks t
    LEFT JOIN members m ON m.guild_id = t.guild_id AND m.user_id = $2 AND m.status = 'active'
    LEFT JOIN subscriptions s ON s.member_id = m.id AND s.task_id = t.id
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
  WITH w AS (
    SELECT id, datum_id, reward_cents, status, assignment_id FROM work_items
     WHERE task_id >= $1::bigint AND task_id <= $1::bigint AND status IN ('open', 'claimed')
       AND (status = 'open' OR (lease_expires_at <= now() AND NOT canceled))
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
 * The parameters an assignment's holder may see (issue 13): the datum's current ones while the
 * claim is live; once it ended (released, submitted, expired, member removed) only what they saw
 * while it was live (parameters_seen), never later outputs of other workers; nothing once the
 * batch was canceled (its data are deleted). Needs \`a\` (assignments) and \`d\` (data) in scope.
 */
export const VISIBLE_PARAMETERS_SQL = `CASE WHEN d.status = 'canceled' THEN '{}'::jsonb
       WHEN a.status = 'claimed' AND a.expires > now() THEN d.parameters
       ELSE coalesce(a.parameters_seen, '{}'::jsonb) END`;

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
  next AS (
    UPDATE work_items s
       SET waiting_for = s.waiting_for - 1,
           status = CASE WHEN s.waiting_for = 1 THEN 'open' ELSE s.status END,
           updated = now()
      FROM batch_connections bc
     WHERE bc.batch_id = $7::bigint AND bc.source_task_id = $4::bigint
       AND s.datum_id = $3::bigint AND s.task_id = bc.target_task_id AND s.status = 'waiting'),
  d AS (
    ${answerDatumSql({ datumId: '$3', answer: '$6' })}),
  b AS (
    ${countCompletedDatumSql({ batchId: '$7', datumCompleted: "(SELECT status FROM d) = 'completed'" })}),
  ${guildMovementCtes('reward', { kind: 'reward', businessKey: '$8', batchId: '$7', amount: '$9', from: '$10', to: '$11' })}
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
