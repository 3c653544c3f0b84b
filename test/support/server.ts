import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { RunningServer, startServer } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/config';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.OG_TEST_ADMIN_URL;
  const template = process.env.OG_TEST_TEMPLATE;
  if (!adminUrl || !template) throw new Error('test database not set up: run through jest (globalSetup)');
  const name = `og_t${randomBytes(5).toString('hex')}_${process.env.OG_TEST_RUN}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/** Every JSON log line the server wrote, kept so tests can assert on (and scan) them. */
export class CapturedLogs extends Writable {
  readonly lines: string[] = [];
  _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestServer extends RunningServer {
  http: TestAgent;
  db: TestDatabase;
  logs: CapturedLogs;
  /** runs SQL against this server's database (for assertions on stored state) */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The real server (same bootstrap as `npm start`) on a fresh database and an ephemeral port,
 * with a local Stripe mock and logs captured at debug level.
 */
export async function startTestServer(
  overrides: Partial<AppConfig> = {},
  env: Record<string, string> = {},
  /** `db`: run on this database (several servers on one, or a restart on the same data) and leave it on close */
  opts: { db?: TestDatabase } = {},
): Promise<TestServer> {
  const db = opts.db ?? (await createTestDatabase());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-test-data-'));
  const config: AppConfig = {
    ...loadConfig({ NODE_ENV: 'test', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...env }),
    databaseUrl: db.url,
    databasePoolSize: 10,
    ...overrides,
  };
  const logs = new CapturedLogs();
  const server = await startServer(config, { skipMigrations: true, logStream: logs });
  const pool = new Client({ connectionString: db.url });
  // a test that stops or drops the database must not crash the worker through this connection
  pool.on('error', () => undefined);
  await pool.connect();
  return {
    ...server,
    http: request(server.url),
    db,
    logs,
    sql: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    close: async () => {
      await pool.end();
      await server.close();
      if (!opts.db) await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      assertNoSecretsLogged(logs.text());
    },
  };
}

/**
 * Every test server's captured log (the whole suite's, since every e2e file closes its servers)
 * is scanned on close for API keys (`og_…`) and submit_to tokens (`ogs_…`): 192-bit secrets that
 * must never be logged (API.md §10). A hit fails the file's afterAll. See docs/reliability.md.
 */
export function assertNoSecretsLogged(text: string): void {
  const hit = /\bogs?_[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/.exec(text);
  if (hit) {
    const line = text.split('\n').find((l) => l.includes(hit[0])) ?? '';
    throw new Error(`a secret (API key or assignment token) was logged: ${line.replace(hit[0], `${hit[0].slice(0, 5)}…`).slice(0, 500)}`);
  }
}
