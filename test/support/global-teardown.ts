import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  // the app build of test/support/process-server.ts, if a test used it
  fs.rmSync(path.join(os.tmpdir(), `og-build-${process.pid}`), { recursive: true, force: true });
  const pg = (globalThis as { __OG_TEST_PG__?: { stop(): Promise<void>; dir: string } }).__OG_TEST_PG__;
  if (pg) {
    await pg.stop();
    fs.rmSync(pg.dir, { recursive: true, force: true });
    return;
  }
  // A shared DATABASE_URL server: drop what this run created.
  const admin = new Client({ connectionString: process.env.OG_TEST_ADMIN_URL });
  await admin.connect();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'og_t%_' || $1::text OR datname = $2`, [
    String(process.pid),
    process.env.OG_TEST_TEMPLATE,
  ]);
  for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  await admin.end();
}
