import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters shared by every server process (API.md §10: several processes behave as
 * one server). One row per key and fixed window, bumped by an atomic upsert. UNLOGGED: the
 * counters are worth nothing after a crash (PostgreSQL empties the table then), and skipping the
 * WAL keeps the per-request write cheap.
 */
export class SharedRateLimits1732500500000 implements MigrationInterface {
  name = 'SharedRateLimits1732500500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_counters (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        window_ends timestamptz NOT NULL
      );
      CREATE INDEX rate_limit_counters_window_idx ON rate_limit_counters (window_ends);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limit_counters');
  }
}
