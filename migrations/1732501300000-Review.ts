import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review, rejections and appeals (API.md §12.1–§12.3; docs/review.md).
 *
 * - `submissions` becomes the Submission object of §12.1 for every submit: its review status, the
 *   reward it earns, when it is approved automatically, the rejection (reason, message, machine
 *   evidence) and the appeal. Rows of earlier submits were paid at once: `approved`.
 * - `answers` (one per answer on a slot) gets the rejection columns too. The `gold` work adds
 *   `reject_reason`/`evidence` for gold_mismatch in its own migration: IF NOT EXISTS, so both apply
 *   in either order. `value` may be NULL: an answer on a task without `answer` under manual review.
 * - an answer slot may be `pending` (submitted, awaiting review).
 * - ledger transactions of kind `appeal` (an approved appeal, paid from the owner's wallet) and
 *   `bonus` (§12.4, the bonus work), named here too so either migration order works.
 */
export class Review1732501300000 implements MigrationInterface {
  name = 'Review1732501300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE submissions
        ADD COLUMN status text NOT NULL DEFAULT 'approved' CHECK (status IN ('pending', 'approved', 'rejected')),
        ADD COLUMN reward_cents bigint NOT NULL DEFAULT 0 CHECK (reward_cents >= 0),
        ADD COLUMN auto_approve_at timestamptz,
        ADD COLUMN reject_reason text,
        ADD COLUMN reject_message text,
        ADD COLUMN evidence jsonb,
        ADD COLUMN rejected_at timestamptz,
        ADD COLUMN appeal_status text CHECK (appeal_status IN ('open', 'approved', 'upheld')),
        ADD COLUMN appeal_message text,
        ADD COLUMN appeal_created timestamptz,
        ADD COLUMN appeal_answer text,
        ADD COLUMN appeal_decided timestamptz,
        ADD COLUMN seconds int,
        ADD COLUMN updated timestamptz NOT NULL DEFAULT now();
      UPDATE submissions s SET reward_cents = a.reward_cents, updated = s.created,
             seconds = CASE WHEN a.submitted_at IS NOT NULL THEN round(extract(epoch FROM (a.submitted_at - a.created)))::int END
        FROM assignments a WHERE a.id = s.assignment_id;
      CREATE INDEX submissions_task_idx ON submissions (task_id, id);
      CREATE INDEX submissions_member_idx ON submissions (member_id, id);

      ALTER TABLE answers
        ADD COLUMN IF NOT EXISTS reject_reason text,
        ADD COLUMN IF NOT EXISTS evidence jsonb,
        ADD COLUMN IF NOT EXISTS reject_message text,
        ALTER COLUMN value DROP NOT NULL;
      CREATE INDEX answers_pending_idx ON answers (work_item_id, id) WHERE status = 'pending';

      ALTER TABLE answer_slots DROP CONSTRAINT answer_slots_status_check;
      ALTER TABLE answer_slots ADD CONSTRAINT answer_slots_status_check CHECK (status IN ('open', 'claimed', 'pending', 'approved', 'canceled'));

      ALTER TABLE ledger_transactions DROP CONSTRAINT IF EXISTS ledger_transactions_kind_check;
      ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check
        CHECK (kind IN ('card_charge', 'batch_payment', 'reward', 'refund', 'payout', 'bonus', 'appeal'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX answers_pending_idx;
      ALTER TABLE answers DROP COLUMN reject_message;
      DROP INDEX submissions_task_idx;
      DROP INDEX submissions_member_idx;
      ALTER TABLE submissions DROP COLUMN status, DROP COLUMN reward_cents, DROP COLUMN auto_approve_at, DROP COLUMN reject_reason,
        DROP COLUMN reject_message, DROP COLUMN evidence, DROP COLUMN rejected_at, DROP COLUMN appeal_status, DROP COLUMN appeal_message,
        DROP COLUMN appeal_created, DROP COLUMN appeal_answer, DROP COLUMN appeal_decided, DROP COLUMN seconds, DROP COLUMN updated;
    `);
  }
}
