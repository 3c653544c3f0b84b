import { DataSource } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';

/** Any fixed number works; it only has to be the same in every process that migrates. */
const MIGRATION_LOCK = 720_301;

/**
 * Applies pending migrations. Several server processes may start at once against one database,
 * so the run is serialised with a session advisory lock.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url: databaseUrl, migrations: ALL_MIGRATIONS, logging: false });
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
    await ds.destroy();
  }
}
