import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { AppConfig } from '../config/config';

/**
 * What would stop start-up, found before anything is started, as one line a person can act on.
 * The common case is a second `npm start` or `npm run demo` beside a running server: the HTTP
 * port is taken, or the embedded PostgreSQL of the same DATA_DIR is running.
 */
export async function startupProblem(config: AppConfig, command = 'npm start'): Promise<string | undefined> {
  if (config.port !== 0 && (await listening(config.port))) {
    return `Port ${config.port} is already in use (is OpenGuilds already running there?). Stop it, or run another on its own port and data: PORT=${config.port + 1} DATA_DIR=./.data-${config.port + 1} EMBEDDED_POSTGRES_PORT=${config.embeddedPostgresPort + 1} ${command}`;
  }
  if (!config.databaseUrl) {
    const pidFile = path.join(config.dataDir, 'postgres', 'postmaster.pid');
    const pid = readPid(pidFile);
    if (pid !== undefined && alive(pid)) {
      return `The embedded PostgreSQL in ${path.dirname(pidFile)} is already running (process ${pid}): another OpenGuilds uses DATA_DIR=${config.dataDir}. Stop it, or give this one its own: DATA_DIR=./.data-2 EMBEDDED_POSTGRES_PORT=${config.embeddedPostgresPort + 1} ${command}`;
    }
  }
  return undefined;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sock.setTimeout(1000);
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('timeout', () => (sock.destroy(), resolve(false)));
    sock.once('error', () => resolve(false));
  });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
