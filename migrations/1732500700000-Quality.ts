import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The task's quality object (API.md §11) and its control answers (gold, §11.2). `tasks.quality`
 * is the normalised settings (src/quality/settings/quality-settings.ts), NULL for a task without
 * one. Gold items are soft-deleted: answers served from them keep pointing at them after a delete.
 */
export class Quality1732500700000 implements MigrationInterface {
  name = 'Quality1732500700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tasks ADD COLUMN quality jsonb;

      CREATE TABLE gold_items (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task_id bigint NOT NULL REFERENCES tasks(id),
        parameters jsonb NOT NULL,
        answer text NOT NULL,
        -- served and answered; maintained by the claim/submit path once gold is served
        answers_count int NOT NULL DEFAULT 0 CHECK (answers_count >= 0),
        right_count int NOT NULL DEFAULT 0 CHECK (right_count >= 0 AND right_count <= answers_count),
        deleted_at timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      -- GET /api/tasks/:id/gold, newest first, and the gold a claim may serve
      CREATE INDEX gold_items_task_idx ON gold_items (task_id, id DESC) WHERE deleted_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE gold_items; ALTER TABLE tasks DROP COLUMN quality;`);
  }
}
