import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Overlap (API.md §11.1, docs/quality-and-scale.md B.2): several distinct members answer one datum
 * at a task, paid from a reservation made when the batch is paid.
 *
 * - batch_task_settings: what a paid batch runs under, per task (the frozen `quality`, the reward).
 * - work_items stay one per datum × task (the Result, §13.1) and become the reservation:
 *   `reserved_answers` (overlap.max) answers are paid for at pay time, `approved_answers` of them
 *   have been paid out, `refunded_cents` is what went back when the task was done with the datum.
 *   `min_answers` NULL = the §7 behaviour (the work item itself is claimed); set = the work item is
 *   `collecting` while its answer_slots are claimed.
 * - answer_slots: what a claim takes at a task with overlap (today's work_items claim machinery,
 *   one level down); work_item_members: who holds or answered which datum (distinct members);
 *   answers: one per answer given on a slot.
 * - batch_shards: the batch's money and answer counters split over a few rows, so submits do not
 *   all update one row for them (B.1); read as their sum.
 * - member_task_skills / task_models: the Dawid–Skene matrices and priors the submit reads
 *   (written by the refresh job, B.7; empty until then: the default confusion is used).
 */
export class AnswerSlots1732500900000 implements MigrationInterface {
  name = 'AnswerSlots1732500900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE batch_task_settings (
        batch_id bigint NOT NULL REFERENCES batches(id),
        task_id bigint NOT NULL REFERENCES tasks(id),
        -- FrozenQuality (src/quality/settings) or NULL: the task ran without a quality object
        quality jsonb,
        reward_cents bigint NOT NULL CHECK (reward_cents >= 0),
        gold_cents bigint NOT NULL DEFAULT 0 CHECK (gold_cents >= 0),
        PRIMARY KEY (batch_id, task_id)
      );

      ALTER TABLE work_items DROP CONSTRAINT work_items_status_check;
      ALTER TABLE work_items
        ADD CONSTRAINT work_items_status_check CHECK (status IN ('waiting', 'open', 'claimed', 'collecting', 'done', 'canceled')),
        ADD COLUMN min_answers int CHECK (min_answers >= 1),
        ADD COLUMN reserved_answers int NOT NULL DEFAULT 1 CHECK (reserved_answers >= 1),
        ADD COLUMN approved_answers int NOT NULL DEFAULT 0,
        ADD COLUMN aggregate text,
        ADD COLUMN confidence float8,
        ADD COLUMN refunded_cents bigint CHECK (refunded_cents >= 0),
        ADD CONSTRAINT work_items_reservation_check CHECK (approved_answers >= 0 AND approved_answers <= reserved_answers);

      CREATE TABLE answer_slots (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        work_item_id bigint NOT NULL REFERENCES work_items(id),
        task_id bigint NOT NULL,
        batch_id bigint NOT NULL,
        datum_id bigint NOT NULL,
        reward_cents bigint NOT NULL CHECK (reward_cents >= 0),
        -- canceled: the task was done with the datum (or the batch canceled) before this slot was answered
        status text NOT NULL CHECK (status IN ('open', 'claimed', 'approved', 'canceled')),
        assignment_id bigint,
        member_id bigint,
        lease_expires_at timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      -- claims scan this, oldest first, as work_items_claimable_idx for work without overlap
      CREATE INDEX answer_slots_claimable_idx ON answer_slots (task_id, id) WHERE status IN ('open', 'claimed');
      CREATE INDEX answer_slots_work_item_idx ON answer_slots (work_item_id);

      ALTER TABLE assignments ADD COLUMN slot_id bigint;

      -- distinct members per datum at a task: one PK probe per candidate slot of a claim
      CREATE TABLE work_item_members (
        work_item_id bigint NOT NULL,
        member_id bigint NOT NULL,
        -- holding (until lease_expires_at), answered, or let_go (released / lapsed: may claim again)
        state text NOT NULL CHECK (state IN ('holding', 'answered', 'let_go')),
        lease_expires_at timestamptz,
        PRIMARY KEY (work_item_id, member_id)
      );

      CREATE TABLE answers (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        work_item_id bigint NOT NULL REFERENCES work_items(id),
        slot_id bigint NOT NULL,
        assignment_id bigint NOT NULL UNIQUE,
        member_id bigint NOT NULL,
        value text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        seconds int,
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX answers_work_item_idx ON answers (work_item_id, id) WHERE status = 'approved';

      CREATE TABLE batch_shards (
        batch_id bigint NOT NULL REFERENCES batches(id),
        shard smallint NOT NULL,
        answers_count int NOT NULL DEFAULT 0,
        spent_cents bigint NOT NULL DEFAULT 0 CHECK (spent_cents >= 0),
        refunded_cents bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
        PRIMARY KEY (batch_id, shard)
      );
      ALTER TABLE batches
        ADD COLUMN gold_cents bigint NOT NULL DEFAULT 0 CHECK (gold_cents >= 0),
        -- batch_shards rows of the batch (0 for a batch paid before they existed); a datum's shard is id % shard_count
        ADD COLUMN shard_count smallint NOT NULL DEFAULT 0;

      CREATE TABLE member_task_skills (
        member_id bigint NOT NULL,
        task_id bigint NOT NULL,
        confusion float8[] NOT NULL,
        answers int NOT NULL DEFAULT 0,
        PRIMARY KEY (member_id, task_id)
      );
      CREATE TABLE task_models (
        task_id bigint PRIMARY KEY,
        priors float8[] NOT NULL,
        fitted_at timestamptz NOT NULL DEFAULT now(),
        answers_seen bigint NOT NULL DEFAULT 0
      );

      -- the results seam (docs/results.md): a result's aggregate and each answer's value. Scalar
      -- subqueries, so a statement that does not read the column does not probe for it
      CREATE OR REPLACE VIEW results AS
        SELECT w.id, w.batch_id, w.datum_id, w.task_id,
               w.aggregate AS answer, w.confidence,
               (SELECT s.quality->>'aggregation' FROM batch_task_settings s
                 WHERE s.batch_id = w.batch_id AND s.task_id = w.task_id AND w.aggregate IS NOT NULL) AS method
          FROM work_items w;
      CREATE OR REPLACE VIEW result_answers AS
        SELECT s.datum_id, s.task_id, s.id AS submission_id, s.member_id,
               (SELECT an.value FROM answers an WHERE an.assignment_id = s.assignment_id) AS value, 'approved'::text AS status,
               CASE WHEN a.submitted_at IS NULL THEN NULL
                    ELSE round(extract(epoch FROM (a.submitted_at - a.created)))::int END AS seconds,
               s.parameters
          FROM submissions s LEFT JOIN assignments a ON a.id = s.assignment_id;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE VIEW results AS
        SELECT w.id, w.batch_id, w.datum_id, w.task_id,
               NULL::text AS answer, NULL::float8 AS confidence, NULL::text AS method
          FROM work_items w;
      CREATE OR REPLACE VIEW result_answers AS
        SELECT s.datum_id, s.task_id, s.id AS submission_id, s.member_id,
               NULL::text AS value, 'approved'::text AS status,
               CASE WHEN a.submitted_at IS NULL THEN NULL
                    ELSE round(extract(epoch FROM (a.submitted_at - a.created)))::int END AS seconds,
               s.parameters
          FROM submissions s LEFT JOIN assignments a ON a.id = s.assignment_id;
      DROP TABLE task_models; DROP TABLE member_task_skills;
      ALTER TABLE batches DROP COLUMN shard_count, DROP COLUMN gold_cents;
      DROP TABLE batch_shards; DROP TABLE answers; DROP TABLE work_item_members;
      ALTER TABLE assignments DROP COLUMN slot_id;
      DROP TABLE answer_slots;
      ALTER TABLE work_items DROP CONSTRAINT work_items_reservation_check,
        DROP COLUMN refunded_cents, DROP COLUMN confidence, DROP COLUMN aggregate, DROP COLUMN approved_answers,
        DROP COLUMN reserved_answers, DROP COLUMN min_answers, DROP CONSTRAINT work_items_status_check;
      ALTER TABLE work_items ADD CONSTRAINT work_items_status_check CHECK (status IN ('waiting', 'open', 'claimed', 'done', 'canceled'));
      DROP TABLE batch_task_settings;
    `);
  }
}
