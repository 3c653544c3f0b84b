import { DataSource, EntityManager } from 'typeorm';
import { isRetryable } from './pg-errors';

/**
 * Runs `work` in one database transaction, retrying it from the start when Postgres aborts it
 * for a serialization failure or deadlock, so callers never see those as errors.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (em: EntityManager) => Promise<T>,
  opts: {
    isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
    attempts?: number;
    /** `work` is one SQL statement (atomic by itself): run it without BEGIN/COMMIT, one round trip */
    statement?: boolean;
  } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      if (opts.statement) return await work(dataSource.manager);
      // READ COMMITTED is PostgreSQL's default level: no SET TRANSACTION round trip for it
      if (!opts.isolation || opts.isolation === 'READ COMMITTED') return await dataSource.transaction(work);
      return await dataSource.transaction(opts.isolation, work);
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
