import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exports stream as one nested-loop plan (docs/results.md, "How an export runs"): `result_answers`
 * joins the assignment with a LEFT JOIN. Every submission has its assignment (`assignment_id` is
 * NOT NULL and a foreign key), so the view returns the same rows; but a LEFT JOIN on the
 * assignment's primary key can be dropped by the planner when no assignment column is read, so
 * counting a result's answers (the CSV's `answers_count`) probes `submissions` alone instead of
 * `submissions` and `assignments` once per result.
 */
export class ResultAnswersStreaming1732500830000 implements MigrationInterface {
  name = 'ResultAnswersStreaming1732500830000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE VIEW result_answers AS
        SELECT s.datum_id, s.task_id, s.id AS submission_id, s.member_id,
               NULL::text AS value, 'approved'::text AS status,
               CASE WHEN a.submitted_at IS NULL THEN NULL
                    ELSE round(extract(epoch FROM (a.submitted_at - a.created)))::int END AS seconds,
               s.parameters
          FROM submissions s LEFT JOIN assignments a ON a.id = s.assignment_id;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE VIEW result_answers AS
        SELECT s.datum_id, s.task_id, s.id AS submission_id, s.member_id,
               NULL::text AS value, 'approved'::text AS status,
               CASE WHEN a.submitted_at IS NULL THEN NULL
                    ELSE round(extract(epoch FROM (a.submitted_at - a.created)))::int END AS seconds,
               s.parameters
          FROM submissions s JOIN assignments a ON a.id = s.assignment_id;
    `);
  }
}
