import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createTestDatabase, TestDatabase } from './server';

/**
 * The server as a real child process (`node <build>/src/main.js`), for tests that need what an
 * in-process server cannot give: SIGKILL in the middle of work, several processes on one database
 * racing each other, a restart.
 *
 *   const db = await createTestDatabase();
 *   const a = await startProcessServer({ db, env: { WEBHOOK_RETRY_SCHEDULE: '1,1' } });
 *   const b = await startProcessServer({ db });          // a second process on the same database
 *   await a.kill('SIGKILL');                               // crash; resolves once it has exited
 *   await a.start();                                       // same port, same database
 *   …
 *   await b.close(); await a.close(); await db.drop();     // a db you passed in is yours to drop
 *
 * The app is compiled once per Jest run (`tsc -p tsconfig.build.json` into a temporary directory
 * shared by all workers of the run; removed by globalTeardown), so a test sees the code of the
 * working tree, never a stale dist/. Allow ~30 s for the first build in a beforeAll.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const run = () => process.env.OG_TEST_RUN ?? `adhoc-${process.pid}`;

/** Where this run's build lives (globalTeardown removes it). */
export function buildDir(runId = run()): string {
  return path.join(os.tmpdir(), `og-build-${runId}`);
}

let building: Promise<string> | undefined;

/**
 * Compiles the app once per test run and returns the directory holding `src/main.js`. Safe when
 * several Jest workers call it at once: each compiles into its own directory and the first to
 * finish renames it into place.
 */
export function buildApp(): Promise<string> {
  building ??= (async () => {
    const dir = buildDir();
    if (fs.existsSync(path.join(dir, '.complete'))) return dir;
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', tmp], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new Error(`building the app failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
    }
    // ESM packages are loaded with import(), which ignores NODE_PATH: the build finds
    // node_modules by walking up, so it gets a link to the project's.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
    // the console's browser files are read from the package root (src/pages/static-files.ts): a
    // directory holding package.json and public/, found by walking up from the compiled module
    fs.symlinkSync(path.join(ROOT, 'public'), path.join(tmp, 'public'), 'dir');
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(tmp, 'package.json'));
    fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another worker won the race
    }
    if (!fs.existsSync(path.join(dir, 'src', 'main.js'))) throw new Error(`build incomplete: ${dir}`);
    return dir;
  })();
  building.catch(() => (building = undefined));
  return building;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface ProcessServerOptions {
  /** the database to use; shared by several processes in race tests. Default: a fresh one, dropped by close() */
  db?: TestDatabase;
  /** extra environment (WEBHOOK_RETRY_SCHEDULE, WEBHOOK_TIMEOUT_MS, RATE_LIMIT_PER_MINUTE, …) */
  env?: Record<string, string>;
  /** default: a free port, kept across restarts */
  port?: number;
  /** how long to wait for /health (default 60 s) */
  readyTimeoutMs?: number;
}

export class ProcessServer {
  readonly port: number;
  readonly url: string;
  readonly http: TestAgent;
  /** every line the process wrote to stdout/stderr, across restarts (JSON log lines mostly) */
  readonly lines: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-proc-data-'));
  private pool: Client | undefined;

  constructor(
    readonly db: TestDatabase,
    private readonly ownsDb: boolean,
    private readonly opts: ProcessServerOptions,
    port: number,
  ) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.http = request(this.url);
  }

  /** The operating-system process id of the running server (undefined when stopped). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Spawns the server and waits until GET /health answers 200. */
  async start(): Promise<void> {
    if (this.child) throw new Error('already running');
    const out = await buildApp();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OG_TEST_') && k !== 'NODE_OPTIONS') env[k] = v;
    Object.assign(env, {
      NODE_ENV: 'test',
      DATABASE_URL: this.db.url,
      PORT: String(this.port),
      DATA_DIR: this.dataDir,
      LOG_LEVEL: 'info',
      DATABASE_POOL_SIZE: '10',
      ...this.opts.env,
    });
    const child = spawn(process.execPath, [path.join(out, 'src', 'main.js')], { cwd: out, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    const collect = (stream: NodeJS.ReadableStream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const l of parts) if (l) this.lines.push(l);
      });
    };
    collect(child.stdout!);
    collect(child.stderr!);
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (this.child !== child) throw new Error(`server exited during start-up:\n${this.lines.slice(-30).join('\n')}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.status === 200 && this.child === child) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await this.kill('SIGKILL');
        throw new Error(`server not healthy in time:\n${this.lines.slice(-30).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signal (default SIGKILL: a crash) and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || !this.exited) return { code: null, signal: null };
    child.kill(signal);
    return this.exited;
  }

  /** Graceful stop: SIGTERM, waiting for in-flight work (webhook attempts) to finish. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.kill('SIGTERM');
  }

  /** kill(signal) then start() on the same port and database. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  /** SQL against the server's database (one connection, opened lazily). */
  async sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]> {
    if (!this.pool) {
      this.pool = new Client({ connectionString: this.db.url });
      // a test that stops the database must not crash the test process through this connection
      this.pool.on('error', () => undefined);
      await this.pool.connect();
    }
    return (await this.pool.query(text, params)).rows as T[];
  }

  logs(): string {
    return this.lines.join('\n');
  }

  /** Kills the process if running, closes the SQL connection, drops the database if this server created it. */
  async close(): Promise<void> {
    await this.kill('SIGKILL');
    await this.pool?.end().catch(() => undefined);
    this.pool = undefined;
    if (this.ownsDb) await this.db.drop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Builds (once per run) and starts the server as a child process; see the top of this file. */
export async function startProcessServer(opts: ProcessServerOptions = {}): Promise<ProcessServer> {
  const db = opts.db ?? (await createTestDatabase());
  const server = new ProcessServer(db, !opts.db, opts, opts.port ?? (await freePort()));
  try {
    await server.start();
  } catch (err) {
    await server.close();
    throw err;
  }
  return server;
}
