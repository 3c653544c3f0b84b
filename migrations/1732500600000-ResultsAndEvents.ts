import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Results out and live progress (API.md §13, docs/results.md):
 * - `results` and `result_answers`: the row source of GET /api/batches/:id/results and the exports.
 *   Today one work item is one Result with at most one answer and no aggregate; the quality model
 *   (§11) replaces these two views (CREATE OR REPLACE VIEW in its own migration) and nothing in
 *   src/results changes.
 * - work_items (batch_id, id): results are listed and streamed by ascending id within a batch.
 * - webhooks.events (§13.4) and the event type of each delivery; progress_sent_at throttles
 *   batch.progress to one a minute per webhook.
 * - batch_watchers: which batches have an open progress stream somewhere, so a submit only
 *   NOTIFYs (a commit-time lock shared by the whole cluster) when someone listens.
 */
export class ResultsAndEvents1732500600000 implements MigrationInterface {
  name = 'ResultsAndEvents1732500600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX work_items_batch_id_idx ON work_items (batch_id, id);

      CREATE VIEW results AS
        SELECT w.id, w.batch_id, w.datum_id, w.task_id,
               NULL::text AS answer, NULL::float8 AS confidence, NULL::text AS method
          FROM work_items w;

      CREATE VIEW result_answers AS
        SELECT s.datum_id, s.task_id, s.id AS submission_id, s.member_id,
               NULL::text AS value, 'approved'::text AS status,
               CASE WHEN a.submitted_at IS NULL THEN NULL
                    ELSE round(extract(epoch FROM (a.submitted_at - a.created)))::int END AS seconds,
               s.parameters
          FROM submissions s JOIN assignments a ON a.id = s.assignment_id;

      ALTER TABLE webhooks ADD COLUMN events text[] NOT NULL DEFAULT '{batch.completed}';
      ALTER TABLE webhooks ADD COLUMN progress_sent_at timestamptz;
      ALTER TABLE webhook_deliveries ADD COLUMN event_type text NOT NULL DEFAULT 'batch.completed';

      CREATE UNLOGGED TABLE batch_watchers (
        batch_id bigint NOT NULL,
        -- one row per server process watching the batch (a random id per process)
        process_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (batch_id, process_id)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE batch_watchers;
      ALTER TABLE webhook_deliveries DROP COLUMN event_type;
      ALTER TABLE webhooks DROP COLUMN progress_sent_at;
      ALTER TABLE webhooks DROP COLUMN events;
      DROP VIEW result_answers;
      DROP VIEW results;
      DROP INDEX work_items_batch_id_idx;
    `);
  }
}
