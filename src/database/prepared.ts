import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

/**
 * A hot read as a named prepared statement straight on the pool: Postgres parses and plans it
 * once per connection instead of on every call, and the call skips TypeORM's query runner
 * (create, connect, release). For single-statement reads outside a transaction only; errors are
 * pg's own (the error filter maps their codes, e.g. a database that is down → 503).
 * `name` must be unique per SQL text.
 */
export async function preparedRows<T>(ds: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (ds.driver as unknown as { master: Pool }).master;
  const result = await pool.query<T & object>({ name, text, values });
  return result.rows;
}
