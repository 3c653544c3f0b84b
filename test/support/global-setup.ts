import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrate';
import { freePort } from './process-server';

/** Where the admin connection of the test cluster goes, and the name of the migrated template. */
export default async function globalSetup(): Promise<void> {
  const template = `og_template_${process.pid}`;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-test-pg-'));
    // run as root, Postgres runs as the 'postgres' user, which must be able to enter this directory
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    const db = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port, database: 'postgres', persistent: false });
    (globalThis as { __OG_TEST_PG__?: { stop(): Promise<void>; dir: string } }).__OG_TEST_PG__ = { stop: db.stop, dir };
    adminUrl = db.url;
  }
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${template}"`);
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${template}`;
  await runMigrations(templateUrl.toString());
  process.env.OG_TEST_ADMIN_URL = adminUrl;
  process.env.OG_TEST_TEMPLATE = template;
  process.env.OG_TEST_RUN = String(process.pid);
}
