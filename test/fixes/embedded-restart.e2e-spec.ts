import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp, freePort } from '../support/process-server';

/**
 * Issue 13, with real processes: after `kill -9` of the server the embedded PostgreSQL keeps
 * running; the next start must recover by itself. A second server on the same data directory
 * (`npm run demo` beside `npm start`) must say in one line what is wrong, never `undefined`.
 * Each server is `node <build>/src/main.js` with no DATABASE_URL, so it runs its own embedded
 * PostgreSQL under DATA_DIR, as `npm start` does.
 */
describe('embedded PostgreSQL across a crashed server', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-fixes-embedded-'));
  // run as root, Postgres runs as the 'postgres' user, which must be able to enter this directory
  fs.chmodSync(dataDir, 0o755);
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  const children: ChildProcess[] = [];
  let pgPort: number;
  let build: string;

  beforeAll(async () => {
    build = await buildApp();
    pgPort = await freePort();
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // the postmaster this test's servers started (never any other): stop it, then remove its files
    const pid = postmasterPid();
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        // already gone
      }
      await until(() => !alive(pid));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  function postmasterPid(): number | undefined {
    try {
      return Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  }
  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  async function until(check: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition never met');
  }

  interface Server {
    child: ChildProcess;
    port: number;
    output: () => string;
    exited: Promise<number | null>;
  }
  async function spawnServer(postgresPort = pgPort): Promise<Server> {
    const port = await freePort();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith('OG_TEST_') && k !== 'NODE_OPTIONS' && k !== 'DATABASE_URL') env[k] = v;
    Object.assign(env, { NODE_ENV: 'test', PORT: String(port), DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(postgresPort), LOG_LEVEL: 'info' });
    const child = spawn(process.execPath, [path.join(build, 'src', 'main.js')], { cwd: build, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, port, output: () => out, exited };
  }
  async function healthy(s: Server): Promise<boolean> {
    if (s.child.exitCode !== null) throw new Error(`server exited during start-up:\n${s.output()}`);
    try {
      return (await fetch(`http://127.0.0.1:${s.port}/health`)).status === 200;
    } catch {
      return false;
    }
  }

  it('kill -9 leaves the postmaster running; the next start stops that orphan and comes up', async () => {
    const first = await spawnServer();
    await until(() => healthy(first));
    const orphan = postmasterPid()!;
    expect(alive(orphan)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exited;
    // the crash left PostgreSQL running (this is what used to make every restart fail)
    expect(alive(orphan)).toBe(true);

    const second = await spawnServer();
    await until(() => healthy(second));
    expect(alive(orphan)).toBe(false);
    expect(postmasterPid()).not.toBe(orphan);
    expect(second.output()).toMatch(/stopping the orphaned embedded PostgreSQL|started embedded PostgreSQL/);

    // a second server beside the running one, on the same data directory: one line saying what is wrong
    const beside = await spawnServer();
    const code = await beside.exited;
    expect(code).not.toBe(0);
    const said = beside.output().trim();
    expect(said).not.toMatch(/^undefined$/m);
    expect(said).toMatch(/OpenGuilds could not start: the embedded PostgreSQL of .* is in use by another running server/);
    // and the running server was left alone
    expect(await healthy(second)).toBe(true);

    // a graceful stop stops its PostgreSQL too: nothing is left holding the port or the data directory
    const running = postmasterPid()!;
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await until(() => !alive(running));
  }, 180_000);

  it('a port already taken: the error says so in one line', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    // a port of its own: this test does not depend on how the one above ended
    const takenPort = await freePort();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(takenPort, '127.0.0.1', () => resolve());
    });
    try {
      const s = await spawnServer(takenPort);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        s.exited,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the server neither failed nor exited within 90 s; it said:\n${s.output()}`)), 90_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(code).not.toBe(0);
      expect(s.output()).toMatch(/OpenGuilds could not start: .*port .*in use/);
      expect(s.output()).not.toMatch(/^undefined$/m);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 120_000);
});
