import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13.
 * - idempotency_keys.request_hash: what the first request with a key was (method, path, query
 *   and body, hashed), so the same key on a different request is a 422 instead of a replay of the
 *   first response. NULL on keys stored before this migration (they match any request, as before).
 * - assignments.parameters_seen: the datum's parameters as the holder saw them while the
 *   assignment was live (set at claim, and at submit with what they submitted), so an ended
 *   assignment shows no later parameters (other workers' outputs). NULL on older rows: they show
 *   nothing once ended.
 */
export class Issue131732500100000 implements MigrationInterface {
  name = 'Issue131732500100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE idempotency_keys ADD COLUMN request_hash bytea;
      ALTER TABLE assignments ADD COLUMN parameters_seen jsonb;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE assignments DROP COLUMN parameters_seen; ALTER TABLE idempotency_keys DROP COLUMN request_hash;`);
  }
}
