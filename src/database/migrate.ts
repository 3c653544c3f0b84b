import { runMigrations as installQueueSchema, Logger as WorkerLogger } from 'graphile-worker';
import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';

/** Any fixed number works; it only has to be the same in every process that migrates. */
const MIGRATION_LOCK = 720_301;

/**
 * Applies pending migrations. Several server processes may start at once against one database,
 * so the run is serialised with a session advisory lock. The job queue's own schema
 * (graphile-worker, `graphile_worker`) comes first: our migrations' triggers queue jobs through it.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url: databaseUrl, migrations: ALL_MIGRATIONS, logging: false });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await installQueueSchema({ connectionString: databaseUrl, logger: quiet });
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
    await ds.destroy();
  }
}

/** graphile-worker's migration messages are not worth a log line at every start (a failure throws). */
const quiet = new WorkerLogger(() => () => undefined);
