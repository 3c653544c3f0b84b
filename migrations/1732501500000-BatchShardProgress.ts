import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Batch progress without a hot row (issue 15; docs/quality-and-scale.md B.4 step 7). A datum that
 * completed used to add one to `batches.data_completed_count`, so every last-task submit of a batch
 * updated the batch row and held it until commit. Now a completed datum counts on its shard
 * (`batch_shards.data_completed`, the shard of datum id % shard_count, locked by that submit only);
 * the shard's last datum takes the batch row once (`shards_remaining - 1`), and the batch completes
 * when that reaches 0 — so completion is still decided inside one transaction, exactly once.
 *
 * Read: data_completed_count = batches.data_completed_count (what was counted before this
 * migration, or by a batch without shards) + Σ batch_shards.data_completed.
 */
export class BatchShardProgress1732501500000 implements MigrationInterface {
  name = 'BatchShardProgress1732501500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE batch_shards
        ADD COLUMN data_count int NOT NULL DEFAULT 0 CHECK (data_count >= 0),
        ADD COLUMN data_completed int NOT NULL DEFAULT 0 CHECK (data_completed >= 0),
        ADD COLUMN updated timestamptz,
        ADD CONSTRAINT batch_shards_progress_check CHECK (data_completed <= data_count);
      -- shards with data not yet completed; the batch completes when the last one finishes
      ALTER TABLE batches ADD COLUMN shards_remaining int NOT NULL DEFAULT 0 CHECK (shards_remaining >= 0);

      -- processing batches paid before batch_shards existed get one shard
      INSERT INTO batch_shards (batch_id, shard)
      SELECT b.id, 0 FROM batches b
       WHERE b.status = 'processing' AND b.shard_count = 0;
      UPDATE batches SET shard_count = 1 WHERE status = 'processing' AND shard_count = 0;

      -- processing batches move their count onto their shards
      UPDATE batch_shards s SET data_count = c.total, data_completed = c.completed
        FROM (SELECT d.batch_id, d.id % b.shard_count AS shard, count(*) AS total,
                     count(*) FILTER (WHERE d.status = 'completed') AS completed
                FROM data d JOIN batches b ON b.id = d.batch_id
               WHERE b.status = 'processing'
               GROUP BY 1, 2) c
       WHERE s.batch_id = c.batch_id AND s.shard = c.shard;
      UPDATE batches b SET data_completed_count = 0,
             shards_remaining = (SELECT count(*) FROM batch_shards s WHERE s.batch_id = b.id AND s.data_completed < s.data_count)
       WHERE b.status = 'processing';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE batches b SET data_completed_count = b.data_completed_count + coalesce((SELECT sum(data_completed) FROM batch_shards s WHERE s.batch_id = b.id), 0);
      ALTER TABLE batches DROP COLUMN shards_remaining;
      ALTER TABLE batch_shards DROP CONSTRAINT batch_shards_progress_check, DROP COLUMN data_count, DROP COLUMN data_completed, DROP COLUMN updated;
    `);
  }
}
