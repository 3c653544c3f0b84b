import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gold serving, qualification and skills (API.md §11.2–§11.4, §11.6; docs/quality-and-scale.md
 * "Gold serving as built").
 *
 * - A served gold item is a hidden datum and work item with `batch_id` NULL: a fresh id from the
 *   data sequence, so nothing keyed by a batch (data lists, results, progress, cancel) ever sees it.
 *   `gold_servings` ties it to the batch whose escrow pays it, the gold item, and how it is funded.
 * - `gold_slots`: a paid batch's gold share per task as claimable units (floor(gold_cents / reward));
 *   a gold claim takes one (SKIP LOCKED), so no row is updated by every gold claim. What no slot
 *   used comes back at completion or cancel.
 * - `gold_served`: which gold item each member was served (never twice, §11.2).
 * - `member_task_stats`: the per-member, per-task counters a claim reads with one primary-key probe
 *   (qualification, skill) — written by the member's own submits and by the refresh job.
 * - `answers.reject_reason` / `answers.evidence`: an auto-rejection (gold_mismatch) and its evidence.
 *   Same columns as the review work (§12) adds, hence IF NOT EXISTS.
 */
export class GoldServing1732501100000 implements MigrationInterface {
  name = 'GoldServing1732501100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE data ALTER COLUMN batch_id DROP NOT NULL;
      ALTER TABLE data ADD COLUMN gold_item_id bigint;
      ALTER TABLE work_items ALTER COLUMN batch_id DROP NOT NULL;
      ALTER TABLE answers ADD COLUMN IF NOT EXISTS reject_reason text;
      ALTER TABLE answers ADD COLUMN IF NOT EXISTS evidence jsonb;
      CREATE INDEX answers_member_idx ON answers (member_id, id);

      CREATE TABLE gold_slots (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        batch_id bigint NOT NULL REFERENCES batches(id),
        task_id bigint NOT NULL,
        reward_cents bigint NOT NULL CHECK (reward_cents >= 0),
        -- open: unused share; used: a gold serving took it; void: came back to the requester
        status text NOT NULL CHECK (status IN ('open', 'used', 'void'))
      );
      CREATE INDEX gold_slots_open_idx ON gold_slots (batch_id, task_id, id) WHERE status = 'open';

      CREATE TABLE gold_servings (
        work_item_id bigint PRIMARY KEY REFERENCES work_items(id),
        batch_id bigint NOT NULL REFERENCES batches(id),
        task_id bigint NOT NULL,
        gold_item_id bigint NOT NULL REFERENCES gold_items(id),
        member_id bigint NOT NULL,
        -- share: paid from gold_slots row gold_slot_id; reservation: one answer taken from work item reserved_from
        funding text NOT NULL CHECK (funding IN ('share', 'reservation')),
        gold_slot_id bigint,
        reserved_from bigint,
        reward_cents bigint NOT NULL CHECK (reward_cents >= 0),
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX gold_servings_batch_idx ON gold_servings (batch_id);

      CREATE TABLE gold_served (
        gold_item_id bigint NOT NULL,
        member_id bigint NOT NULL,
        PRIMARY KEY (gold_item_id, member_id)
      );

      CREATE TABLE member_task_stats (
        member_id bigint NOT NULL,
        task_id bigint NOT NULL,
        answers int NOT NULL DEFAULT 0,
        gold_answers int NOT NULL DEFAULT 0,
        gold_right int NOT NULL DEFAULT 0,
        -- qualification (§11.3): the control answers counted toward it, right among them; false is final
        qual_answers int NOT NULL DEFAULT 0,
        qual_right int NOT NULL DEFAULT 0,
        qualified boolean,
        -- the Dawid–Skene accuracy of the member and the answers it was fitted on (refresh job)
        model_skill float8,
        model_answers int NOT NULL DEFAULT 0,
        updated timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (member_id, task_id)
      );
      CREATE INDEX member_task_stats_task_idx ON member_task_stats (task_id, member_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE member_task_stats; DROP TABLE gold_served; DROP TABLE gold_servings; DROP TABLE gold_slots;
      DROP INDEX answers_member_idx;
      ALTER TABLE data DROP COLUMN gold_item_id;
    `);
  }
}
