import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RELEASE_DEAD_WORKERS_TASK } from '../../src/queue/queue.service';
import { LEASE_SWEEP_TASK } from '../../src/work/lease-sweeper';
import { waitForBackgroundIdle } from './background';
import type { TestServer } from './server';

/** the queue's periodic tasks (queue.repeat): timer-driven, not written by a request */
export const PERIODIC_TASKS = [LEASE_SWEEP_TASK, 'webhook-rescue', RELEASE_DEAD_WORKERS_TASK];

/** every file under `dir` with its SHA-256, as one comparable text */
export function fileStore(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(`${path.relative(dir, full)} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`);
    }
  };
  walk(dir);
  return out.join('\n');
}

export interface WriteWatch {
  /** every table watched, `schema.table`, listed from the database */
  tables: string[];
  /**
   * Committed row changes so far by table:op, and the file store, as one comparable text. Read
   * after the queue and the webhook outbox are idle, so writes made after a response count too.
   * Compare it around a request that must write nothing.
   */
  state(): Promise<string>;
}

/**
 * Counts every committed row change, per table and operation, in the transaction that makes it
 * (a row-level trigger on every table of every schema the migrations made, listed from
 * pg_tables, so a new table is watched without anyone listing it). Rolled-back writes count
 * nothing. Two things are left out of `state()` on purpose: the queue's periodic series (the
 * lease sweep, the webhook rescue and the dead-worker release re-queue themselves on a timer,
 * whatever the requests) and
 * the shared rate-limit counters (they count every request by design, accepted or not: the
 * limiter's state, not a record a request writes).
 *
 * Used by the fuzzer (test/reliability/hostile-input) and the tenant matrix: a rejected request
 * must leave `state()` as it was.
 */
export async function watchWrites(s: TestServer): Promise<WriteWatch> {
  await s.sql(`CREATE TABLE write_watch (tbl text PRIMARY KEY, n bigint NOT NULL DEFAULT 0)`);
  await s.sql(`CREATE FUNCTION write_watch_count() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      k text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME || ':' || TG_OP;
      tid integer;
    BEGIN
      -- the queue's jobs are counted per task, so the periodic series can be told apart
      IF TG_TABLE_SCHEMA = 'graphile_worker' AND TG_TABLE_NAME = '_private_jobs' THEN
        IF TG_OP = 'DELETE' THEN tid := OLD.task_id; ELSE tid := NEW.task_id; END IF;
        k := k || ':' || coalesce((SELECT identifier FROM graphile_worker._private_tasks WHERE id = tid), '?');
      END IF;
      INSERT INTO public.write_watch (tbl, n) VALUES (k, 1) ON CONFLICT (tbl) DO UPDATE SET n = write_watch.n + 1;
      RETURN NULL;
    END $$`);
  const rows = await s.sql<{ t: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND NOT (schemaname = 'public' AND tablename = 'write_watch') ORDER BY 1`,
  );
  const tables = rows.map((r) => r.t);
  for (const t of tables) await s.sql(`CREATE TRIGGER write_watch AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION write_watch_count()`);
  return {
    tables,
    async state() {
      await waitForBackgroundIdle(s);
      const counts = await s.sql<{ tbl: string; n: string }>(`SELECT tbl, n FROM write_watch WHERE tbl NOT LIKE ALL ($1) ORDER BY tbl`, [
        [...PERIODIC_TASKS.map((t) => `%:${t}`), 'public.rate_limit_counters:%'],
      ]);
      return JSON.stringify(Object.fromEntries(counts.map((r) => [r.tbl, Number(r.n)]))) + '\n' + fileStore(s.config.dataDir);
    },
  };
}

/** What changed between two `state()` texts: the table:op counts that moved, and the files added, changed or removed. */
export function describeChange(before: string, after: string): string {
  const [cb, ...fb] = before.split('\n');
  const [ca, ...fa] = after.split('\n');
  const b = JSON.parse(cb) as Record<string, number>;
  const a = JSON.parse(ca) as Record<string, number>;
  const rows = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => b[k] !== a[k]).map((k) => `${k} +${(a[k] ?? 0) - (b[k] ?? 0)}`);
  const files = [...fa.filter((f) => f && !fb.includes(f)).map((f) => `file ${f}`), ...fb.filter((f) => f && !fa.includes(f)).map((f) => `file gone ${f}`)];
  return [...rows, ...files].join(', ');
}
