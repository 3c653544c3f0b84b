import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The queue's live processes (src/queue/queue.service.ts): each server process registers its
 * graphile-worker worker ids under a token and holds an advisory lock on that token for as long
 * as it lives. A row whose lock is free belongs to a dead process: its jobs are unlocked at once
 * instead of staying locked for the library's four hours.
 */
export class QueueProcesses1732500850000 implements MigrationInterface {
  name = 'QueueProcesses1732500850000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE queue_processes (
        token text PRIMARY KEY,
        worker_ids text[] NOT NULL DEFAULT '{}',
        started timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE queue_processes`);
  }
}
