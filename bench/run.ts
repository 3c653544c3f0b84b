import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Webhook } from 'standardwebhooks';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrations } from '../src/database/migrate';
import * as W from '../src/work/work-sql';
import { ANSWERS_STREAM_SQL, RESULTS_CSV_SQL } from '../src/results/result-sql';
import { crowdSection, crowdTable } from './crowd/http-section';
import { fillCompletedBatch } from './lib/export-fill';
import { expect, request } from './lib/http';
import { checkIntegrity } from './lib/integrity';
import { measureQueueLimit, QUEUE_LIMIT_SCRIPT } from './lib/queue-limit';
import { clusterCpuSeconds, freePort, ServerProcess, startServerProcess } from './lib/server-process';
import { closedLoop, LoadResult, percentile, round } from './lib/stats';

const run = promisify(execFile);
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
/** `issue15` stands for the sections issue 15's "Done when" names (see bench/README.md). */
const ISSUE15 = ['limit', 'claim', 'pipeline', 'overlap', 'read', 'scale', 'ingest'];
const ONLY = [...args]
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',')
  .flatMap((s) => (s === 'issue15' ? ISSUE15 : [s]));
const want = (section: string) => !ONLY || ONLY.includes(section);
/** `--name=N` (a number) */
const numArg = (name: string, fallback: number) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};

const CFG = {
  workers: 50,
  loadSeconds: QUICK ? 8 : 20,
  /** queue-limit.sh's clients and seconds: issue 15's baseline is `queue-limit.sh PROJECT_DIR 50 20` */
  limitClients: 50,
  limitSeconds: QUICK ? 10 : 20,
  scaleSeconds: QUICK ? 5 : 10,
  ingestData: 100_000,
  webhookBatches: QUICK ? 200 : 1000,
  readSeconds: QUICK ? 5 : 10,
  scaleSteps: QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000],
  exportAnswers: QUICK ? 100_000 : 1_000_000,
  sseStreams: 200,
  /** the crowd section (issue 16, API.md §11.5): `--crowd-data=N` for a smaller quick run */
  crowdData: numArg('crowd-data', QUICK ? 1000 : 5000),
  crowdMembers: 200,
  crowdConcurrency: numArg('crowd-concurrency', 32),
  crowdSeed: numArg('crowd-seed', 11),
  /** the adaptive runs' `qualification.gold` and `min_quality` (the contract's example, as the model bench); 0 = off */
  crowdQualGold: numArg('crowd-qual-gold', 5),
  crowdMinQuality: numArg('crowd-min-quality', 0.7) || null,
  ssePhases: QUICK ? 5 : 9,
  ssePhaseSeconds: QUICK ? 6 : 10,
};
/** the checkout whose node_modules hold the embedded PostgreSQL binaries queue-limit.sh runs (dist/bench/run.js → ../..) */
const PROJECT_DIR = path.resolve(__dirname, '..', '..');
const SERVER_ENTRY = process.env.BENCH_SERVER_ENTRY ?? 'dist/src/main.js';
const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';

const rows: Array<{ section: string; metric: string; value: string; baseline: string; ratio: string; target: string; verdict: string }> = [];
/** `ok`: met/MISSED; a string is the verdict itself (e.g. "not available"). */
function record(section: string, metric: string, value: string, baseline = '', ratio = '', target = '', ok?: boolean | string) {
  const verdict = ok === undefined ? '' : typeof ok === 'string' ? ok : ok ? 'met' : 'MISSED';
  rows.push({ section, metric, value, baseline, ratio, target, verdict });
  console.log(
    `  ${section} | ${metric}: ${value}${baseline ? ` (baseline ${baseline}, ratio ${ratio})` : ''}${target ? ` target ${target} → ${verdict}` : ''}`,
  );
}

/** The 1, 5 and 15 minute load averages (`uptime`), recorded next to each figure: the machine is shared. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

function log(msg: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

// ------------------------------------------------------------------ API helpers

interface User {
  id: string;
  email: string;
  key: string;
}

let seq = 0;
async function register(url: string, prefix: string): Promise<User> {
  const email = `${prefix}-${Date.now().toString(36)}-${seq++}@bench.example.com`;
  const b = await expect(
    request('POST', `${url}/api/register`, { body: { email, password: 'bench-password-123', password_confirmation: 'bench-password-123' } }),
    201,
    'register',
  );
  return { id: b.id, email, key: b.api_key };
}

async function inParallel<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

interface Guild {
  id: string;
  taskId: string;
}

async function guildWithTask(url: string, owner: User, name: string): Promise<Guild> {
  const g = await expect(request('POST', `${url}/api/guilds`, { auth: owner.key, body: { name, description: 'benchmark guild' } }), 201, 'guild');
  const t = await expect(
    request('POST', `${url}/api/guilds/${g.id}/tasks`, { auth: owner.key, body: { name: `${name} task`, minimum_amount_cents: 1 } }),
    201,
    'task',
  );
  return { id: g.id, taskId: t.id };
}

async function join(url: string, owner: User, guild: Guild, workers: User[], taskIds: string[] = [guild.taskId]): Promise<void> {
  await inParallel(workers, 8, async (w) => {
    const inv = await expect(request('POST', `${url}/api/guilds/${guild.id}/invites`, { auth: owner.key, body: { email: w.email } }), 201, 'invite');
    await expect(request('POST', `${url}/api/invites/${inv.id}/accept`, { auth: w.key }), 200, 'accept');
    for (const t of taskIds) await expect(request('POST', `${url}/api/tasks/${t}/subscriptions`, { auth: w.key }), [200, 201], 'subscribe');
    await expect(request('GET', `${url}/api/wallets`, { auth: w.key }), 200, 'wallets'); // creates the wallet (as on first read)
  });
}

function datum(i: number) {
  return { image_url: `https://images.example.com/bench/${i}.png`, caption: `benchmark datum number ${i}` };
}

async function createBatch(url: string, owner: User, guildId: string, n: number, webhooks: Array<{ destination: string; secret: string }> = []) {
  const data = Array.from({ length: n }, (_, i) => datum(i));
  return expect(request('POST', `${url}/api/guilds/${guildId}/batches`, { auth: owner.key, body: { batch: { data, webhooks } } }), 201, 'create batch');
}

async function pay(url: string, owner: User, batchId: string) {
  return expect(request('POST', `${url}/api/batches/${batchId}/debits`, { auth: owner.key }), 201, 'pay');
}

/** Puts `cents` into the owner's wallet through the API: pay a batch by card, then cancel it (refund). */
async function fundWallet(url: string, owner: User, guildId: string, cents: number) {
  const b = await createBatch(url, owner, guildId, cents);
  await pay(url, owner, b.id);
  await expect(request('DELETE', `${url}/api/batches/${b.id}`, { auth: owner.key }), 200, 'cancel');
}

async function claimAndSubmit(url: string, w: User, taskId: string, parameters: Record<string, unknown> = { answer: 'a cat' }): Promise<boolean> {
  const c = await request('POST', `${url}/api/tasks/${taskId}/claims`, { auth: w.key });
  if (c.status === 204) return false;
  if (c.status !== 201) throw new Error(`claim: HTTP ${c.status} ${c.text.slice(0, 200)}`);
  const s = await request('POST', `${url}/api/assignments/${c.body.id}/submit`, { auth: w.key, body: { parameters } });
  if (s.status !== 200) throw new Error(`submit: HTTP ${s.status} ${s.text.slice(0, 200)}`);
  return true;
}

/**
 * One claim+submit at any task of a pipeline: the worker tries its home task first, then the
 * others from the last task back to the first, so data that entered the pipeline are finished
 * before new ones start and every datum goes through all the tasks; false once every task is
 * empty. With the 50 workers' homes spread evenly over the tasks, the load is balanced once work
 * has reached every task. The 204s are part of the pair's cost, as for a real worker client.
 */
async function claimAndSubmitAnywhere(url: string, w: User, taskIds: string[], home: number, empty: { n: number }): Promise<boolean> {
  const order = [home, ...taskIds.map((_, i) => taskIds.length - 1 - i).filter((i) => i !== home)];
  for (const i of order) {
    if (await claimAndSubmit(url, w, taskIds[i])) return true;
    empty.n++;
  }
  return false;
}

// ------------------------------------------------------------------ pgbench baseline

/** The claim + submit pair as one pgbench script, generated from the server's own SQL (src/work/work-sql.ts). */
export function pgbenchScript(): string {
  const sub = (sqlText: string, params: readonly string[], vars: Record<string, string>) =>
    sqlText.replace(/\$(\d+)/g, (_, n) => {
      const name = params[Number(n) - 1];
      const v = vars[name];
      if (!v) throw new Error(`no pgbench variable for ${name}`);
      return v;
    });
  // pgbench reads one statement per line: drop the SQL's `--` comments first, or the first one
  // would swallow the rest of the statement
  const oneLine = (s: string) =>
    s
      .replace(/--[^\n]*$/gm, '')
      .replace(/\s+/g, ' ')
      .trim();
  const auth = `SELECT k.id AS key_id, u.id AS user_id, u.email, bc.task_id FROM bench_clients bc JOIN api_keys k ON k.key_hash = bc.key_hash AND k.deleted_at IS NULL JOIN users u ON u.id = k.user_id WHERE bc.client_id = :client_id`;
  const claimVars = {
    task_id: ':task_id',
    user_id: ':user_id',
    member_id: ':c_member_id',
    token_hash: `sha256(convert_to(gen_random_uuid()::text, 'UTF8'))`,
    lease_seconds: ':c_lease_seconds',
  };
  const submitVars = {
    assignment_id: ':a_id',
    work_item_id: ':w_id',
    datum_id: ':w_datum_id',
    task_id: ':w_task_id',
    member_id: ':s_member_id',
    parameters: `'{"answer":"a cat"}'`,
    batch_id: ':w_batch_id',
    business_key: `concat_ws(chr(58), 'work', :w_id::text, 'reward')`, // chr(58) = ':' (pgbench would read ':reward' as a variable)
    reward_cents: ':w_reward_cents',
    escrow_id: ':s_escrow_id',
    wallet_id: ':s_wallet_id',
  };
  return [
    '-- claim: auth, membership/subscription check, claim',
    `${auth} \\gset`,
    `${oneLine(sub(W.CLAIM_CHECK_SQL, W.CLAIM_CHECK_PARAMS, claimVars))} \\gset c_`,
    `${oneLine(sub(W.CLAIM_SQL, W.CLAIM_PARAMS, claimVars))} \\gset a_`,
    '-- submit: auth, then one transaction',
    `${auth} \\gset`,
    'BEGIN;',
    `${oneLine(sub(W.SUBMIT_LOCK_WORK_SQL, W.SUBMIT_LOCK_WORK_PARAMS, submitVars))} \\gset w_`,
    `${oneLine(sub(W.SUBMIT_LOCK_ASSIGNMENT_SQL, W.SUBMIT_LOCK_ASSIGNMENT_PARAMS, submitVars))} \\gset s_`,
    `${oneLine(sub(W.SUBMIT_SQL, W.SUBMIT_PARAMS, submitVars))};`,
    'COMMIT;',
    '',
  ].join('\n');
}

async function pgbench(dbUrl: string, tmp: string, seconds: number): Promise<LoadResult> {
  const script = path.join(tmp, 'claim-submit.sql');
  fs.writeFileSync(script, pgbenchScript());
  const logDir = fs.mkdtempSync(path.join(tmp, 'pgbench-log-'));
  const u = new URL(dbUrl);
  const { stdout } = await run(
    PGBENCH,
    [
      '-n',
      '-M',
      'extended',
      '-c',
      String(CFG.workers),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-f',
      script,
      '-l',
      '--log-prefix',
      path.join(logDir, 'tx'),
      '-h',
      u.hostname,
      '-p',
      u.port,
      '-U',
      decodeURIComponent(u.username),
      u.pathname.slice(1),
    ],
    { env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) }, maxBuffer: 16 << 20 },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
  const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
  const lat: number[] = [];
  for (const f of fs.readdirSync(logDir)) {
    for (const line of fs.readFileSync(path.join(logDir, f), 'utf8').split('\n')) {
      const parts = line.split(' ');
      if (parts.length > 3) lat.push(Number(parts[2]) / 1000);
    }
  }
  if (/aborted|error/i.test(stdout) && !processed) throw new Error(`pgbench failed:\n${stdout}`);
  return { operations: processed, errors: failed, seconds, perSecond: round(tps), p50Ms: round(percentile(lat, 50)), p99Ms: round(percentile(lat, 99)) };
}

// ------------------------------------------------------------------ main

async function main() {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'og-bench-'));
  fs.chmodSync(tmp, 0o755);
  let dbUrl = process.env.DATABASE_URL;
  let stopDb: (() => Promise<void>) | undefined;
  /** CPU seconds used so far by the embedded cluster (undefined with DATABASE_URL: not ours to see) */
  let pgCpu: () => number | undefined = () => undefined;
  if (!dbUrl) {
    log(`starting embedded PostgreSQL (fsync on) in ${tmp}`);
    const db = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), port: await freePort(), database: 'openguilds_bench', persistent: true });
    dbUrl = db.url;
    stopDb = db.stop;
    pgCpu = () => clusterCpuSeconds(path.join(tmp, 'pg'));
  }
  const sqlc = new Client({ connectionString: dbUrl });
  await sqlc.connect();
  const q = async <T = any>(text: string, params: unknown[] = []): Promise<T[]> => (await sqlc.query(text, params)).rows as T[];
  await runMigrations(dbUrl);

  const pgVersion = (await q<{ v: string }>("SELECT current_setting('server_version') AS v"))[0].v;
  const fsync = (await q<{ v: string }>("SELECT current_setting('fsync') AS v"))[0].v;
  const syncCommit = (await q<{ v: string }>("SELECT current_setting('synchronous_commit') AS v"))[0].v;
  const pgbenchVersion = (await run(PGBENCH, ['--version'])).stdout.trim();
  const machine = {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    postgres: `${pgVersion} (fsync=${fsync}, synchronous_commit=${syncCommit}${process.env.DATABASE_URL ? ', DATABASE_URL' : ', embedded'})`,
    pgbench: pgbenchVersion,
    mode: QUICK ? 'quick' : 'full',
    loadAverageAtStart: os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  };
  console.log('Machine:', JSON.stringify(machine, null, 2));

  const servers: ServerProcess[] = [];
  let integrityFailed = false;
  const startApp = async (extra: Record<string, string> = {}) => {
    const s = await startServerProcess(SERVER_ENTRY, { DATABASE_URL: dbUrl!, DATA_DIR: path.join(tmp, 'data'), ...extra });
    servers.push(s);
    return s;
  };
  const stopApp = async (s: ServerProcess) => {
    await s.stop();
    servers.splice(servers.indexOf(s), 1);
  };

  try {
    let app = await startApp();
    const url = app.url;
    log('setup through the API: owner, guild + task, card, 50 workers (members, subscribed)');
    const owner = await register(url, 'owner');
    await expect(request('POST', `${url}/api/payment_methods`, { auth: owner.key, body: { source: 'tok_visa' } }), 201, 'card');
    const workGuild = await guildWithTask(url, owner, 'Bench work');
    const workers = await inParallel(Array.from({ length: CFG.workers }), 5, () => register(url, 'worker'));
    await join(url, owner, workGuild, workers);

    // ---------------------------------------------------------------- 1. claim + submit
    let httpRate = NaN;
    if (want('claim') || want('scale')) {
      const need = Math.round(CFG.loadSeconds * 2500 + CFG.loadSeconds * 1500 + CFG.scaleSeconds * CFG.scaleSteps.length * 1000 + 5000);
      log(`creating and paying the work: ${need} data at one task (through the API)`);
      for (let left = need; left > 0; left -= 100_000) {
        const b = await createBatch(url, owner, workGuild.id, Math.min(left, 100_000));
        await pay(url, owner, b.id);
      }
      await q('ANALYZE');
    }
    // ---------------------------------------------------------------- 0. the machine's limit (issue 15)
    // queue-limit.sh: a minimal durable claim+submit with no hot row, in pgbench on its own
    // PostgreSQL, measured in this run right before the loads that are compared with it
    let limit = NaN;
    if (want('limit') || want('claim') || want('pipeline') || want('overlap')) {
      log(`the limit: ${QUEUE_LIMIT_SCRIPT} PROJECT_DIR ${CFG.limitClients} ${CFG.limitSeconds} (load average ${loadAverage()})`);
      const L = await measureQueueLimit(PROJECT_DIR, CFG.limitClients, CFG.limitSeconds);
      limit = round(L.pairsPerSecond);
      log(`  ${L.output.replace(/\n/g, '\n  ')}\n  (took ${round(L.seconds)} s)`);
      record(
        '0 limit',
        `queue-limit.sh, ${CFG.limitClients} clients, ${CFG.limitSeconds} s (durable commits, no hot row)`,
        `${limit} pairs/s; load average ${loadAverage()}`,
      );
    }
    /** A load's figure against the limit, with issue 15's target (a share of the limit). */
    const vsLimit = (section: string, metric: string, r: LoadResult, share: number) => {
      const ratio = r.perSecond / limit;
      record(
        section,
        metric,
        `${r.perSecond} pairs/s; p50 ${r.p50Ms} / p99 ${r.p99Ms} ms${r.errors ? `; ${r.errors} errors` : ''}`,
        `limit ${limit}`,
        `${round(ratio * 100)}%`,
        `≥ ${share * 100}% of the limit`,
        ratio >= share,
      );
    };
    /** The integrity checks (bench/lib/integrity.ts) after a load, as a row with its verdict; a failure fails the run at the end. */
    const integrity = async (section: string) => {
      const c = await checkIntegrity(q);
      log(`  integrity: ${c.summary}`);
      for (const p of c.problems) console.error(`  INTEGRITY: ${p}`);
      if (!c.ok) integrityFailed = true;
      record(section, 'integrity after the load', c.ok ? c.summary : c.problems.join('; '), '', '', 'no violation', c.ok);
    };

    if (want('claim')) {
      await q(`CREATE TABLE IF NOT EXISTS bench_clients (client_id int PRIMARY KEY, key_hash bytea NOT NULL, task_id bigint NOT NULL)`);
      await q('TRUNCATE bench_clients');
      for (const [i, w] of workers.entries())
        await q('INSERT INTO bench_clients VALUES ($1, $2, $3)', [i, createHash('sha256').update(w.key).digest(), workGuild.taskId]);
      log(`pgbench of the server's own SQL: -c ${CFG.workers} -j 2 -T ${CFG.loadSeconds}`);
      // an extra row now: a failure (the server's SQL changed shape) is reported, not fatal
      const pb = await pgbench(dbUrl, tmp, CFG.loadSeconds).catch((err: Error) => {
        console.error(`  pgbench failed: ${err.message.slice(0, 2000)}`);
        return undefined;
      });
      if (pb) log(`pgbench: ${pb.perSecond} pairs/s, p50 ${pb.p50Ms} ms, p99 ${pb.p99Ms} ms (${pb.operations} pairs, ${pb.errors} failed)`);

      log(`HTTP, one server process: ${CFG.workers} workers claim + submit for ${CFG.loadSeconds} s`);
      const one = await closedLoop(CFG.workers, CFG.loadSeconds, (i) => claimAndSubmit(url, workers[i], workGuild.taskId));
      httpRate = one.perSecond;
      log(`  ${one.perSecond} pairs/s, p50 ${one.p50Ms} ms, p99 ${one.p99Ms} ms, ${one.errors} errors`);

      log('HTTP, two server processes on the same database');
      const second = await startApp();
      const urls = [url, second.url];
      const two = await closedLoop(CFG.workers, CFG.loadSeconds, (i) => claimAndSubmit(urls[i % 2], workers[i], workGuild.taskId));
      log(`  ${two.perSecond} pairs/s, p50 ${two.p50Ms} ms, p99 ${two.p99Ms} ms, ${two.errors} errors`);
      await stopApp(second);

      // the figure issue 15 started from, kept as an extra row: the server's SQL without HTTP
      record(
        '1 claim+submit',
        "pgbench, the server's own SQL (-c 50 -j 2)",
        pb ? `${pb.perSecond} pairs/s; p50 ${pb.p50Ms} / p99 ${pb.p99Ms} ms` : 'failed (see the log)',
        `limit ${limit}`,
        pb ? `${round((pb.perSecond / limit) * 100)}%` : '',
      );
      vsLimit('1 claim+submit', 'HTTP, 1 process, 50 workers, one batch of one guild', one, 0.5);
      record(
        '1 claim+submit',
        'HTTP, 2 processes, 50 workers, same batch',
        `${two.perSecond} pairs/s; p50 ${two.p50Ms} / p99 ${two.p99Ms} ms${two.errors ? `; ${two.errors} errors` : ''}`,
        `1 process ${one.perSecond}`,
        `${round((two.perSecond / one.perSecond) * 100)}%`,
        '≥ 1 process',
        two.perSecond >= one.perSecond,
      );
      await integrity('1 claim+submit');
    }

    // ---------------------------------------------------------------- 1b. a 3-task pipeline (issue 15)
    if (want('pipeline')) {
      const pipeGuild = await guildWithTask(app.url, owner, 'Bench pipeline');
      const second = await expect(
        request('POST', `${app.url}/api/guilds/${pipeGuild.id}/tasks`, { auth: owner.key, body: { name: 'Bench pipeline task 2', minimum_amount_cents: 1 } }),
        201,
        'task 2',
      );
      const third = await expect(
        request('POST', `${app.url}/api/guilds/${pipeGuild.id}/tasks`, { auth: owner.key, body: { name: 'Bench pipeline task 3', minimum_amount_cents: 1 } }),
        201,
        'task 3',
      );
      const taskIds = [pipeGuild.taskId, second.id, third.id];
      for (const [source, target] of [
        [taskIds[0], taskIds[1]],
        [taskIds[1], taskIds[2]],
      ])
        await expect(request('POST', `${app.url}/api/guilds/${pipeGuild.id}/connections`, { auth: owner.key, body: { source, target } }), 201, 'connection');
      await join(app.url, owner, pipeGuild, workers, taskIds);
      // every datum passes all three tasks: 3 pairs per datum; enough for 1,500 pairs/s
      const n = Math.round((CFG.loadSeconds * 1500) / 3) + 1000;
      log(`pipeline: one batch of ${n} data through 3 chained tasks (through the API); ${CFG.workers} workers, ${CFG.loadSeconds} s`);
      const batch = await createBatch(app.url, owner, pipeGuild.id, n);
      await pay(app.url, owner, batch.id);
      await q('ANALYZE');
      // worker i's home task is i % 3 (17/17/16 workers)
      const empty = { n: 0 };
      const r = await closedLoop(CFG.workers, CFG.loadSeconds, (i) => claimAndSubmitAnywhere(app.url, workers[i], taskIds, i % 3, empty));
      log(`  ${r.perSecond} pairs/s (any task), p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.errors} errors; ${empty.n} claims answered 204 on the way`);
      // every datum through all three: one submitted answer per task of each datum, the completed ones at all three
      const [flow] = await q<{ t1: string; t2: string; t3: string; completed: string; incomplete_done: string; over: string }>(
        `WITH per AS (SELECT a.datum_id, count(*) FILTER (WHERE a.task_id = $2) AS t1, count(*) FILTER (WHERE a.task_id = $3) AS t2,
                             count(*) FILTER (WHERE a.task_id = $4) AS t3
                        FROM assignments a JOIN data d ON d.id = a.datum_id WHERE d.batch_id = $1 AND a.status = 'submitted' GROUP BY a.datum_id)
         SELECT (SELECT coalesce(sum(t1), 0) FROM per) AS t1, (SELECT coalesce(sum(t2), 0) FROM per) AS t2, (SELECT coalesce(sum(t3), 0) FROM per) AS t3,
                (SELECT count(*) FROM data WHERE batch_id = $1 AND status = 'completed') AS completed,
                (SELECT count(*) FROM data d JOIN per ON per.datum_id = d.id WHERE d.batch_id = $1 AND d.status = 'completed' AND (t1, t2, t3) <> (1, 1, 1)) AS incomplete_done,
                (SELECT count(*) FROM per WHERE t1 > 1 OR t2 > 1 OR t3 > 1 OR t2 > t1 OR t3 > t2) AS over`,
        [batch.id, ...taskIds],
      );
      const flowOk = flow.incomplete_done === '0' && flow.over === '0';
      const flowText = `submitted at task 1/2/3: ${flow.t1}/${flow.t2}/${flow.t3}; ${flow.completed} data completed, ${flow.incomplete_done} of them without one answer at each task, ${flow.over} data out of order or answered twice at a task`;
      log(`  ${flowText}`);
      vsLimit('1b pipeline', `3-task pipeline, 1 process, 50 workers (a pair = claim+submit at any task)`, r, 0.35);
      record('1b pipeline', 'every datum through all three tasks', flowText, '', '', 'in order, once per task', flowOk);
      if (!flowOk) integrityFailed = true;
      await integrity('1b pipeline');
    }

    // ---------------------------------------------------------------- 1c. fixed overlap 3 (issue 15 with issue 16)
    if (want('overlap')) {
      const quality = { answer: 'label', labels: ['a', 'b'], overlap: { min: 3, max: 3 } };
      const g = await expect(
        request('POST', `${app.url}/api/guilds`, { auth: owner.key, body: { name: 'Bench overlap', description: 'benchmark guild' } }),
        201,
        'guild',
      );
      const t = await request('POST', `${app.url}/api/guilds/${g.id}/tasks`, {
        auth: owner.key,
        body: { name: 'Bench overlap task', minimum_amount_cents: 1, quality },
      });
      // a batch at an overlap-3 task reserves 3 answers per datum (API.md §11.1): a server that
      // takes the quality object but prices 1 answer does not do overlap yet
      let unavailable = t.status === 422 ? `task with quality.overlap: HTTP 422 ${t.text.slice(0, 200)}` : '';
      if (!unavailable && t.status !== 201) throw new Error(`overlap task: HTTP ${t.status} ${t.text.slice(0, 300)}`);
      const n = Math.round((CFG.loadSeconds * 1500) / 3) + 1000;
      let batchId = '';
      let ovGuild: Guild | undefined;
      if (!unavailable) {
        ovGuild = { id: g.id, taskId: t.body.id };
        await join(app.url, owner, ovGuild, workers);
        const batch = await createBatch(app.url, owner, g.id, n);
        batchId = batch.id;
        if (batch.cost_cents !== n * 3)
          unavailable = `a batch of ${n} data at 1¢ with overlap 3 costs ${batch.cost_cents}¢, not ${n * 3}¢ (no reservation of 3 answers)`;
      }
      if (unavailable) {
        log(`overlap: not available on this server (${unavailable})`);
        record('1c overlap', 'fixed overlap 3 on one task, 1 process, 50 workers', 'not available', '', '', '≥ 35% of the limit', 'not available');
        record('1c overlap', 'why not available', unavailable);
      } else {
        log(`overlap: one batch of ${n} data at one task with fixed overlap 3 (3 distinct members per datum); ${CFG.workers} workers, ${CFG.loadSeconds} s`);
        await pay(app.url, owner, batchId);
        await q('ANALYZE');
        const r = await closedLoop(CFG.workers, CFG.loadSeconds, (i) => claimAndSubmit(app.url, workers[i], ovGuild!.taskId, { label: 'a' }));
        log(`  ${r.perSecond} pairs/s (answers), p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.errors} errors`);
        const [o] = await q<{ answers: string; completed: string; wrong: string; over: string }>(
          `WITH per AS (SELECT a.datum_id, count(*) AS n, count(DISTINCT a.member_id) AS members
                          FROM assignments a JOIN data d ON d.id = a.datum_id WHERE d.batch_id = $1 AND a.task_id = $2 AND a.status = 'submitted' GROUP BY a.datum_id)
           SELECT (SELECT coalesce(sum(n), 0) FROM per) AS answers,
                  (SELECT count(*) FROM data WHERE batch_id = $1 AND status = 'completed') AS completed,
                  (SELECT count(*) FROM data d LEFT JOIN per ON per.datum_id = d.id WHERE d.batch_id = $1 AND d.status = 'completed' AND coalesce(per.members, 0) <> 3) AS wrong,
                  (SELECT count(*) FROM per WHERE n > 3 OR members <> n) AS over`,
          [batchId, ovGuild!.taskId],
        );
        const ok = o.wrong === '0' && o.over === '0';
        const text = `${o.answers} answers, ${o.completed} data completed, ${o.wrong} completed without exactly 3 distinct members, ${o.over} data with more than 3 answers or a member twice`;
        log(`  ${text}`);
        vsLimit('1c overlap', 'fixed overlap 3 on one task, 1 process, 50 workers (a pair = one answer)', r, 0.35);
        record('1c overlap', 'each datum: 3 answers from 3 distinct members', text, '', '', 'no violation', ok);
        if (!ok) integrityFailed = true;
        await integrity('1c overlap');
      }
    }

    // ---------------------------------------------------------------- 1d. the synthetic crowd (issue 16, API.md §11.5)
    if (want('crowd')) {
      const runs = await crowdSection({
        url: app.url,
        owner,
        seed: CFG.crowdSeed,
        data: CFG.crowdData,
        members: CFG.crowdMembers,
        concurrency: CFG.crowdConcurrency,
        qualGold: CFG.crowdQualGold,
        minQuality: CFG.crowdMinQuality,
        runs: process.argv
          .find((a) => a.startsWith('--crowd-runs='))
          ?.slice(13)
          .split(',')
          .filter(Boolean),
        log,
      });
      const settings = `seed ${CFG.crowdSeed}, ${CFG.crowdData} data, ${CFG.crowdMembers} members, ${CFG.crowdConcurrency} claims in flight, 100 gold items, reward 5¢, adaptive runs: overlap 1–7 @ 0.95, dawid_skene, gold_rate 0.1, qualification.gold ${CFG.crowdQualGold}, min_quality ${CFG.crowdMinQuality}; load average ${loadAverage()}`;
      console.log(`\n### crowd (${settings})\n\n${crowdTable(runs)}\n`);
      for (const { report: r, seconds, met, retried503 } of runs) {
        record(
          '1d crowd',
          r.name,
          `${round(r.accuracy * 100, 2)} % right at ${round(r.answersPerDatum, 2)} answers/datum (+${round(r.goldAnswersPerDatum, 2)} gold); ${r.unfinished} unfinished; ${round(r.submitted / seconds)} answers/s; ${r.late} late submits (410); ${retried503} claims/submits answered 503 and retried`,
          '',
          '',
          met === undefined ? '' : r.name.startsWith('binary') ? '≥ 95 % at ≤ 4.3' : '≥ 97 % at ≤ 3.5',
          met,
        );
        record(
          '1d crowd',
          `${r.name}: money (Batch fields)`,
          `reserved $${(r.reservedCents / 100).toFixed(2)} (gold share $${(r.goldCents / 100).toFixed(2)}), spent $${(r.spentCents / 100).toFixed(2)}, refunded $${(r.refundedCents / 100).toFixed(2)}`,
          '',
          '',
          'spent + refunded = reserved',
          r.balanced,
        );
        if (!r.balanced || r.unfinished > 0) integrityFailed = true;
      }
      record('1d crowd', 'settings', settings);
      await integrity('1d crowd');
    }

    // ---------------------------------------------------------------- 2. batch ingest
    if (want('ingest')) {
      log(`batch ingest: one POST of ${CFG.ingestData} data to a fresh server process`);
      await stopApp(app);
      app = await startApp();
      const data = Array.from({ length: CFG.ingestData }, (_, i) => datum(i));
      const body = JSON.stringify({ batch: { data } });
      const rssBefore = app.peakRssMiB();
      const t0 = performance.now();
      const created = await expect(request('POST', `${app.url}/api/guilds/${workGuild.id}/batches`, { auth: owner.key, raw: body }), 201, 'ingest');
      const httpSecs = (performance.now() - t0) / 1000;
      const peak = app.peakRssMiB();
      if (created.data_count !== CFG.ingestData) throw new Error(`ingest stored ${created.data_count} data`);

      const empty = await createBatch(app.url, owner, workGuild.id, 0);
      const copyClient = new Client({ connectionString: dbUrl });
      await copyClient.connect();
      const t1 = performance.now();
      const stream = copyClient.query(copyFrom('COPY data (batch_id, parameters) FROM STDIN'));
      const lines = data.map((d) => `${empty.id}\t${JSON.stringify(d).replace(/\\/g, '\\\\')}\n`);
      await pipeline(Readable.from(lines), stream);
      const copySecs = (performance.now() - t1) / 1000;
      await copyClient.end();
      const httpRateI = CFG.ingestData / httpSecs;
      const copyRate = CFG.ingestData / copySecs;
      const r = httpRateI / copyRate;
      log(
        `  HTTP ${round(httpSecs, 2)} s (${Math.round(httpRateI)} data/s, ${(body.length / 2 ** 20).toFixed(1)} MiB body), COPY ${round(copySecs, 2)} s (${Math.round(copyRate)} data/s); server VmHWM ${rssBefore} → ${peak} MiB`,
      );
      record(
        '2 ingest',
        `POST 100k data (${(body.length / 2 ** 20).toFixed(1)} MiB)`,
        `${Math.round(httpRateI)} data/s (${round(httpSecs, 2)} s)`,
        `COPY ${Math.round(copyRate)} data/s`,
        `${round(r * 100)}%`,
        '≥ 50%',
        r >= 0.5,
      );
      record('2 ingest', 'peak server RSS (VmHWM, fresh process)', `${peak} MiB (idle ${rssBefore} MiB)`, '', '', '< 512 MiB', peak < 512);
    }

    // ---------------------------------------------------------------- 3. webhooks
    if (want('webhooks')) {
      const n = CFG.webhookBatches;
      log(`webhooks: ${2 * n} one-datum batches with a webhook to a local receiver (through the API)`);
      const secret = `whsec-bench-${randomBytes(8).toString('hex')}`;
      const verifier = new Webhook(secret, { format: 'raw' });
      const arrived = new Map<string, number>(); // datum id → arrival time
      const waiters = new Map<string, () => void>();
      let bad = 0;
      const receiver = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          try {
            verifier.verify(body, req.headers as Record<string, string>);
            const at = performance.now();
            const datumId = String(JSON.parse(body).data[0].id);
            arrived.set(datumId, at);
            waiters.get(datumId)?.();
            res.writeHead(200).end('ok');
          } catch {
            bad++;
            res.writeHead(400).end('bad signature');
          }
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
      const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      // a requester of its own: the Stripe mock lives in the server process, which was restarted for the ingest
      const hookOwner = await register(app.url, 'hook-owner');
      await expect(request('POST', `${app.url}/api/payment_methods`, { auth: hookOwner.key, body: { source: 'tok_visa' } }), 201, 'card');
      const hookGuild = await guildWithTask(app.url, hookOwner, 'Bench webhooks');
      await join(app.url, hookOwner, hookGuild, workers);
      await fundWallet(app.url, hookOwner, hookGuild.id, 2 * n);
      await inParallel(Array.from({ length: 2 * n }), 6, async () => {
        const b = await createBatch(app.url, hookOwner, hookGuild.id, 1, [{ destination: hookUrl, secret }]);
        await pay(app.url, hookOwner, b.id);
      });

      const phase = async (concurrency: number, waitForDelivery: boolean) => {
        const lat: number[] = []; // from the completing submit's 2xx response to the verified arrival
        const latFromStart: number[] = []; // from the start of that submit request
        const submitMs: number[] = []; // the submit request itself
        const submitAt: number[] = [];
        const pending: Array<Promise<void>> = [];
        let done = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async (_, i) => {
            const w = workers[i];
            while (done < n) {
              done++;
              const c = await expect(request('POST', `${app.url}/api/tasks/${hookGuild.taskId}/claims`, { auth: w.key }), 201, 'claim');
              const datumId = String(c.datum.id);
              const delivered = new Promise<void>((resolve) => waiters.set(datumId, resolve));
              const t0 = performance.now();
              submitAt.push(t0);
              await expect(request('POST', `${app.url}/api/assignments/${c.id}/submit`, { auth: w.key, body: { parameters: { answer: 'x' } } }), 200, 'submit');
              const t1 = performance.now();
              submitMs.push(t1 - t0);
              const p = Promise.race([
                delivered,
                new Promise<void>((_, rej) => setTimeout(() => rej(new Error(`no delivery for datum ${datumId}`)), 30_000)),
              ]).then(() => {
                const at = arrived.get(datumId)!;
                // a delivery can arrive before the submit's response is read (it is sent at commit): 0 then
                lat.push(Math.max(0, at - t1));
                latFromStart.push(at - t0);
              });
              if (waitForDelivery) await p;
              else pending.push(p);
            }
          }),
        );
        await Promise.all(pending);
        const last = Math.max(...[...arrived.values()]);
        const first = Math.min(...submitAt);
        return {
          p50: round(percentile(lat, 50)),
          p99: round(percentile(lat, 99)),
          startP50: round(percentile(latFromStart, 50)),
          startP99: round(percentile(latFromStart, 99)),
          submitP50: round(percentile(submitMs, 50)),
          submitP99: round(percentile(submitMs, 99)),
          count: lat.length,
          perSecond: round(lat.length / ((last - first) / 1000)),
        };
      };
      log(`  latency: ${n} batches, 10 workers, each waits for its delivery`);
      const L = await phase(10, true);
      log(
        `  from the submit's response: p50 ${L.p50} ms, p99 ${L.p99} ms over ${L.count}; from the submit's start: p50 ${L.startP50}, p99 ${L.startP99} ms; the submit itself p50 ${L.submitP50}, p99 ${L.submitP99} ms`,
      );
      arrived.clear();
      log(`  throughput: ${n} batches, ${CFG.workers} workers, no waiting`);
      const T = await phase(CFG.workers, false);
      log(`  ${T.perSecond} deliveries/s; latency under that load p50 ${T.p50} ms, p99 ${T.p99} ms; ${bad} bad signatures`);
      receiver.close();
      record(
        '3 webhooks',
        `submit's 2xx response → verified delivery, ${L.count} batches (10 workers)`,
        `p50 ${L.p50} ms, p99 ${L.p99} ms`,
        '',
        '',
        'p50 < 50, p99 < 250 ms',
        L.p50 < 50 && L.p99 < 250,
      );
      record(
        '3 webhooks',
        `submit request start → verified delivery (same runs)`,
        `p50 ${L.startP50} ms, p99 ${L.startP99} ms; the completing submit itself p50 ${L.submitP50} / p99 ${L.submitP99} ms`,
      );
      record('3 webhooks', `deliveries/s, ${T.count} batches (50 workers)`, `${T.perSecond}/s (latency p50 ${T.p50} / p99 ${T.p99} ms)`);
    }

    // ---------------------------------------------------------------- 4. read path
    let readBatchId: string | undefined;
    if (want('read') || want('scale')) {
      const b = await createBatch(app.url, owner, workGuild.id, 150);
      readBatchId = b.id;
    }
    const autocannon = (target: string, auth?: string, seconds = CFG.readSeconds) =>
      new Promise<{ rps: number; p50: number; p99: number; non2xx: number }>((resolve, reject) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const ac = require('autocannon');
        ac(
          { url: target, connections: 50, duration: seconds, headers: auth ? { authorization: `Bearer ${auth}`, accept: 'application/json' } : {} },
          (err: Error, res: any) => {
            if (err) return reject(err);
            resolve({ rps: round(res.requests.average), p50: res.latency.p50, p99: res.latency.p99, non2xx: res.non2xx });
          },
        );
      });
    if (want('read')) {
      log('read path: GET /api/batches/:id (100 embedded data) vs the bare endpoint, autocannon -c 50');
      const body = await expect(request('GET', `${app.url}/api/batches/${readBatchId}`, { auth: owner.key }), 200, 'get batch');
      const bodyFile = path.join(tmp, 'bare-body.json');
      fs.writeFileSync(bodyFile, JSON.stringify(body));
      const real = await autocannon(`${app.url}/api/batches/${readBatchId}`, owner.key);
      const bare = await startServerProcess('dist/bench/bare-app.js', { BARE_BODY_FILE: bodyFile });
      const bareRes = await autocannon(`${bare.url}/bare`);
      await bare.stop();
      const r = real.rps / bareRes.rps;
      log(
        `  real ${real.rps} req/s (p50 ${real.p50}, p99 ${real.p99} ms, non-2xx ${real.non2xx}); bare ${bareRes.rps} req/s; body ${JSON.stringify(body).length} bytes`,
      );
      record(
        '4 read',
        `GET /api/batches/:id, 100 data (${Math.round(JSON.stringify(body).length / 1024)} KiB)`,
        `${real.rps} req/s; p50 ${real.p50} / p99 ${real.p99} ms`,
        `bare ${bareRes.rps} req/s`,
        `${round(r * 100)}%`,
        '≥ 30%',
        r >= 0.3,
      );
    }

    // ---------------------------------------------------------------- 5. scaling
    if (want('scale')) {
      log('scaling: filler open work in other guilds/tasks (bulk SQL)');
      const [{ id: fillGuild }] = await q<{ id: string }>(`INSERT INTO guilds (owner_id, name) VALUES ($1, 'filler') RETURNING id`, [owner.id]);
      const fillTasks = await q<{ id: string }>(
        `INSERT INTO tasks (guild_id, name, minimum_amount_cents) SELECT $1, 'filler ' || g, 1 FROM generate_series(1, 10) g RETURNING id`,
        [fillGuild],
      );
      const [{ id: fillBatch }] = await q<{ id: string }>(
        `INSERT INTO batches (guild_id, owner_id, status, cost_cents, paid_at) VALUES ($1, $2, 'processing', 0, now()) RETURNING id`,
        [fillGuild, owner.id],
      );
      let filled = 0;
      const results: Array<{ open: number; claim: LoadResult; read: { rps: number; p50: number; p99: number } }> = [];
      for (const target of CFG.scaleSteps) {
        const add = target - filled;
        const t0 = performance.now();
        await q(
          `WITH d AS (INSERT INTO data (batch_id, status, parameters, open_work_count)
                      SELECT $1, 'processing', jsonb_build_object('n', g), 1 FROM generate_series(1, $2) g RETURNING id)
           INSERT INTO work_items (batch_id, datum_id, task_id, status, reward_cents)
           SELECT $1, d.id, ($3::bigint[])[1 + (d.id % 10)], 'open', 1 FROM d`,
          [fillBatch, add, fillTasks.map((t) => t.id)],
        );
        filled = target;
        await q('VACUUM ANALYZE work_items');
        await q('ANALYZE data');
        // flush the filler's WAL now, so the measurement is not of a checkpoint writing it out
        await q('CHECKPOINT');
        const open = Number((await q<{ n: string }>(`SELECT count(*) AS n FROM work_items WHERE status = 'open'`))[0].n);
        log(`  ${open} open work items in the table (filled ${add} in ${round((performance.now() - t0) / 1000, 1)} s)`);
        const claim = await closedLoop(CFG.workers, CFG.scaleSeconds, (i) => claimAndSubmit(app.url, workers[i], workGuild.taskId));
        const read = await autocannon(`${app.url}/api/batches/${readBatchId}`, owner.key, CFG.scaleSeconds);
        log(
          `    claim+submit ${claim.perSecond} pairs/s (p50 ${claim.p50Ms}, p99 ${claim.p99Ms} ms); GET batch ${read.rps} req/s (p50 ${read.p50}, p99 ${read.p99} ms)`,
        );
        results.push({ open, claim, read });
      }
      for (const r of results) {
        record(
          '5 scaling',
          `${r.open.toLocaleString('en')} open work items`,
          `claim+submit ${r.claim.perSecond} pairs/s (p50 ${r.claim.p50Ms} / p99 ${r.claim.p99Ms} ms); GET batch p50 ${r.read.p50} / p99 ${r.read.p99} ms (${r.read.rps} req/s)`,
        );
      }
      // issue 15: flat from the 100k step to the 1M step (the quick run's last step is 100k: its first then)
      const baseStep =
        results[CFG.scaleSteps.indexOf(100_000)] && CFG.scaleSteps.indexOf(100_000) < results.length - 1
          ? results[CFG.scaleSteps.indexOf(100_000)]
          : results[0];
      const lastStep = results[results.length - 1];
      const flat = lastStep.claim.perSecond / baseStep.claim.perSecond;
      record(
        '5 scaling',
        `claim+submit at ${lastStep.open.toLocaleString('en')} vs ${baseStep.open.toLocaleString('en')} open work items`,
        `${lastStep.claim.perSecond} pairs/s`,
        `${baseStep.claim.perSecond} pairs/s`,
        `${round(flat * 100)}%`,
        'flat (≥ 90%)',
        flat >= 0.9,
      );
      for (const [label, where] of [
        [
          'claim plan (as the server runs it)',
          `task_id >= $1::bigint AND task_id <= $1::bigint AND status IN ('open', 'claimed') AND (status = 'open' OR (lease_expires_at <= now() AND NOT canceled)) ORDER BY task_id, id`,
        ],
        [
          'claim plan of the old form (task_id = $1 ORDER BY id)',
          `task_id = $1 AND status IN ('open', 'claimed') AND (status = 'open' OR (lease_expires_at <= now() AND NOT canceled)) ORDER BY id`,
        ],
      ]) {
        const plan = await q<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM work_items WHERE ${where} LIMIT 1 FOR UPDATE SKIP LOCKED`, [workGuild.taskId]);
        console.log(`  ${label}:\n    ` + plan.map((p) => p['QUERY PLAN']).join('\n    '));
      }
    }

    // ---------------------------------------------------------------- 6. results export (API.md §13.2)
    if (want('export')) {
      const N = CFG.exportAnswers;
      log(`export: a completed batch with ${N.toLocaleString('en')} answers, filled with SQL`);
      const [m] = await q<{ id: string; user_id: string }>(`SELECT id, user_id FROM members WHERE guild_id = $1 ORDER BY id LIMIT 1`, [workGuild.id]);
      const t0 = performance.now();
      const fill = await fillCompletedBatch(q, { guildId: workGuild.id, ownerId: owner.id, taskId: workGuild.taskId, memberId: m.id, userId: m.user_id, n: N });
      const big = fill.batchId;
      const fillSecs = round((performance.now() - t0) / 1000, 1);
      log(`  filled in ${fillSecs} s (${JSON.stringify(fill.seconds)}), load average ${loadAverage()}`);
      record('6 export', `fill: ${N.toLocaleString('en')} data, work items, assignments, submissions (SQL)`, `${fillSecs} s; load average ${loadAverage()}`);
      for (const [label, query] of [
        ['results CSV', 'format=csv'],
        ['answers CSV (answers=true)', 'format=csv&answers=true'],
      ] as const) {
        // a fresh server process, so its peak RSS is the export's
        await stopApp(app);
        app = await startApp();
        const idle = app.peakRssMiB();
        let bytes = 0;
        let lines = 0;
        let peak = idle;
        const sampler = setInterval(() => (peak = Math.max(peak, app.peakRssMiB())), 500);
        const cpu0 = { server: app.cpuSeconds(), pg: pgCpu(), bench: process.cpuUsage() };
        let firstByte = NaN;
        const t1 = performance.now();
        await new Promise<void>((resolve, reject) => {
          const req = http.get(`${app.url}/api/batches/${big}/results?${query}`, { headers: { authorization: `Bearer ${owner.key}` } }, (res) => {
            if (res.statusCode !== 200) return reject(new Error(`export: HTTP ${res.statusCode}`));
            res.on('data', (c: Buffer) => {
              if (!bytes) firstByte = (performance.now() - t1) / 1000;
              bytes += c.length;
              for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
            });
            res.on('end', () => resolve());
            res.on('error', reject);
          });
          req.on('error', reject);
        });
        const secs = (performance.now() - t1) / 1000;
        clearInterval(sampler);
        peak = Math.max(peak, app.peakRssMiB());
        const pg1 = pgCpu();
        const benchCpu = process.cpuUsage(cpu0.bench);
        // CPU seconds of each side over the export: on a shared box these, unlike the wall time, do not grow with the others' load
        const cpu = `CPU: server ${round(app.cpuSeconds() - cpu0.server, 1)} s, PostgreSQL ${pg1 === undefined || cpu0.pg === undefined ? '?' : round(pg1 - cpu0.pg, 1)} s, client ${round((benchCpu.user + benchCpu.system) / 1e6, 1)} s`;
        log(
          `  ${label}: ${round(secs, 1)} s (first byte after ${round(firstByte, 2)} s), ${lines.toLocaleString('en')} lines, ${(bytes / 2 ** 20).toFixed(0)} MiB, server VmHWM ${idle} → ${peak} MiB; ${cpu}; load average ${loadAverage()}`,
        );
        record(
          '6 export',
          `${label}, ${N.toLocaleString('en')} answers (${(bytes / 2 ** 20).toFixed(0)} MiB, ${lines.toLocaleString('en')} lines)`,
          `${round(secs, 1)} s (first byte ${round(firstByte, 2)} s); server peak RSS ${peak} MiB (idle ${idle}); ${cpu}; load average ${loadAverage()}`,
          '',
          '',
          '≤ 60 s, ≤ 256 MiB',
          secs <= 60 && peak <= 256,
        );
      }
      // the plans the exports ran (docs/results.md, "How an export runs")
      for (const [label, text] of [
        ['results CSV', RESULTS_CSV_SQL],
        ['answers', ANSWERS_STREAM_SQL],
      ] as const) {
        const plan = await q<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, [big]);
        console.log(`  EXPLAIN ANALYZE, ${label} export (load average ${loadAverage()}):\n    ` + plan.map((p) => p['QUERY PLAN']).join('\n    '));
      }
    }

    // ---------------------------------------------------------------- 7. live progress under load (API.md §13.3)
    if (want('sse')) {
      await stopApp(app);
      app = await startApp({ SSE_MAX_STREAMS_PER_KEY: String(CFG.sseStreams + 10) });
      // a requester of its own: the Stripe mock lives in the server process, which was restarted (as in section 3)
      const sseOwner = await register(app.url, 'sse-owner');
      await expect(request('POST', `${app.url}/api/payment_methods`, { auth: sseOwner.key, body: { source: 'tok_visa' } }), 201, 'card');
      const sseGuild = await guildWithTask(app.url, sseOwner, 'Bench progress');
      await join(app.url, sseOwner, sseGuild, workers);
      // phases alternate without and with the streams (W S W S … W), so the machine's drift (other
      // engineers' jobs on the shared box) hits both sides alike
      const phases = CFG.ssePhases;
      const secs = CFG.ssePhaseSeconds;
      const need = Math.round(phases * secs * 400) + 5000;
      log(
        `sse: one batch of ${need} data at one task (through the API); claim+submit by ${CFG.workers} workers, ${phases} phases of ${secs} s alternating 0 and ${CFG.sseStreams} open streams on it`,
      );
      const batch = await createBatch(app.url, sseOwner, sseGuild.id, need);
      await pay(app.url, sseOwner, batch.id);
      await q('ANALYZE');
      const watched: string = batch.id;
      const load = () => closedLoop(CFG.workers, secs, (i) => claimAndSubmit(app.url, workers[i], sseGuild.taskId));

      interface Stream {
        controller: AbortController;
        events: number;
        /** two events of one stream less than 0.9 s apart (the 1/s promise) */
        fast: number;
        ids: number[];
        last: number;
      }
      /** Opens the streams (20 at a time) and resolves once every one has its first event (the snapshot). */
      const openStreams = async (): Promise<Stream[]> => {
        const streams: Stream[] = [];
        await inParallel(Array.from({ length: CFG.sseStreams }), 20, async () => {
          const st: Stream = { controller: new AbortController(), events: 0, fast: 0, ids: [], last: 0 };
          streams.push(st);
          const res = await fetch(`${app.url}/api/batches/${watched}/events`, {
            headers: { authorization: `Bearer ${sseOwner.key}`, accept: 'text/event-stream' },
            signal: st.controller.signal,
          });
          if (res.status !== 200) throw new Error(`sse: HTTP ${res.status}`);
          let first!: () => void;
          const gotFirst = new Promise<void>((r) => (first = r));
          void (async () => {
            let buf = '';
            try {
              for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
                buf += Buffer.from(chunk).toString('utf8');
                let i: number;
                while ((i = buf.indexOf('\n\n')) >= 0) {
                  const block = buf.slice(0, i);
                  buf = buf.slice(i + 2);
                  if (!/^event: /m.test(block)) continue; // a heartbeat comment
                  const now = Date.now();
                  if (st.last && now - st.last < 900) st.fast++;
                  st.last = now;
                  st.events++;
                  const id = /^id: (\d+)/m.exec(block)?.[1];
                  if (id) st.ids.push(Number(id));
                  first();
                }
              }
            } catch {
              // aborted
            }
            first();
          })();
          await gotFirst;
        });
        return streams;
      };

      const without: LoadResult[] = [];
      const withStreams: LoadResult[] = [];
      /** per phase: throughput and the CPU milliseconds the server process and PostgreSQL spent per pair */
      const perPhase: Array<{ streams: boolean; rate: number; serverMs: number; pgMs: number }> = [];
      const measured = async (streams: boolean): Promise<LoadResult> => {
        const c0 = { server: app.cpuSeconds(), pg: pgCpu() ?? NaN };
        const r = await load();
        const ops = Math.max(1, r.operations);
        perPhase.push({
          streams,
          rate: r.perSecond,
          serverMs: ((app.cpuSeconds() - c0.server) * 1000) / ops,
          pgMs: (((pgCpu() ?? NaN) - c0.pg) * 1000) / ops,
        });
        return r;
      };
      let allStreams: Stream[] = [];
      let opening = 0;
      for (let p = 0; p < phases; p++) {
        if (p % 2 === 0) {
          const r = await measured(false);
          without.push(r);
          log(`  phase ${p + 1}/${phases}, no stream: ${r.perSecond} pairs/s (p50 ${r.p50Ms}, p99 ${r.p99Ms} ms); load average ${loadAverage()}`);
        } else {
          const t = performance.now();
          const streams = await openStreams();
          opening = Math.max(opening, (performance.now() - t) / 1000);
          const before = streams.reduce((n, st) => n + st.events, 0);
          const r = await measured(true);
          const events = streams.reduce((n, st) => n + st.events, 0) - before;
          for (const st of streams) st.controller.abort();
          withStreams.push(r);
          allStreams = allStreams.concat(streams);
          log(
            `  phase ${p + 1}/${phases}, ${CFG.sseStreams} streams: ${r.perSecond} pairs/s (p50 ${r.p50Ms}, p99 ${r.p99Ms} ms), ${events} events during it (${round(events / CFG.sseStreams / r.seconds, 2)}/s per stream); load average ${loadAverage()}`,
          );
          // let the server see the closes (the watch row goes, submits stop NOTIFYing)
          await new Promise((r2) => setTimeout(r2, 1000));
        }
      }
      // each phase with streams against the mean of the two phases without around it (the box's
      // load drifts over a minute; a pooled mean would compare different minutes)
      const bracketed = perPhase.flatMap((ph, i) => (ph.streams ? [ph.rate / ((perPhase[i - 1].rate + perPhase[i + 1].rate) / 2)] : []));
      const ratio = bracketed.reduce((a, b) => a + b, 0) / bracketed.length;
      const cost = 1 - ratio;
      const rate = (rs: LoadResult[]) => rs.reduce((n, r) => n + r.operations, 0) / rs.reduce((n, r) => n + r.seconds, 0);
      const base = rate(without);
      const withRate = rate(withStreams);
      const cpuPerPair = (streams: boolean) => {
        const ph = perPhase.filter((x) => x.streams === streams);
        const mean = (f: (x: (typeof ph)[number]) => number) => round(ph.reduce((n, x) => n + f(x), 0) / ph.length, 1);
        return `server ${mean((x) => x.serverMs)} ms, PostgreSQL ${mean((x) => x.pgMs)} ms`;
      };
      const events = allStreams.reduce((n, st) => n + st.events, 0);
      const fast = allStreams.reduce((n, st) => n + st.fast, 0);
      const nonMonotone = allStreams.filter((st) => st.ids.some((id, i) => i > 0 && id <= st.ids[i - 1])).length;
      const list = (rs: LoadResult[]) => rs.map((r) => r.perSecond).join(' / ');
      record(
        '7 sse',
        `claim+submit, ${CFG.workers} workers, no stream (${without.length} phases of ${secs} s)`,
        `${round(base)} pairs/s (${list(without)}); CPU per pair: ${cpuPerPair(false)}`,
      );
      record(
        '7 sse',
        `same with ${CFG.sseStreams} open streams on the batch (${withStreams.length} phases, interleaved)`,
        `${round(withRate)} pairs/s (${list(withStreams)}); CPU per pair: ${cpuPerPair(true)}; ${events} events, ${fast} arrivals < 0.9 s after the previous one (client side), ${nonMonotone} streams with a non-increasing id; opening ${CFG.sseStreams} streams took ≤ ${round(opening, 1)} s; load average ${loadAverage()}`,
        'the phases around each',
        `${bracketed.map((b) => `${round(b * 100)}%`).join(', ')}: cost ${round(cost * 100)}%`,
        '≤ 10%',
        cost <= 0.1,
      );
    }
    void httpRate;
  } finally {
    for (const s of [...servers]) await s.stop().catch(() => undefined);
    await sqlc.end().catch(() => undefined);
    if (stopDb) await stopDb().catch(() => undefined);
    if (!process.env.BENCH_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }

  console.log('\n## Results\n');
  console.log(
    `Machine: ${machine.cpus}; ${machine.memory}; Node ${machine.node}; PostgreSQL ${machine.postgres}; ${machine.pgbench}; ${machine.mode} run; ${Math.round((Date.now() - started) / 1000)} s; load average at start ${machine.loadAverageAtStart}, at end ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  console.log('| section | measurement | value | baseline | ratio | target | verdict |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.section} | ${r.metric} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.verdict} |`);
  if (integrityFailed) {
    console.error('\nINTEGRITY CHECK FAILED (see the rows above)');
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
