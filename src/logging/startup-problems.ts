import * as net from 'node:net';
import { AppConfig } from '../config/config';

/**
 * What would stop start-up, found before anything is started, as one line a person can act on.
 * The common case is a second `npm start` or `npm run demo` beside a running server: the HTTP
 * port is taken. (An embedded PostgreSQL of the same DATA_DIR is told apart from the orphan of a
 * crashed server, and reported in one line, by stopOrphanPostmaster in src/database.)
 */
export async function startupProblem(config: AppConfig, command = 'npm start'): Promise<string | undefined> {
  if (config.port !== 0 && (await listening(config.port))) {
    return `Port ${config.port} is already in use (is OpenGuilds already running there?). Stop it, or run another on its own port and data: PORT=${config.port + 1} DATA_DIR=./.data-${config.port + 1} EMBEDDED_POSTGRES_PORT=${config.embeddedPostgresPort + 1} ${command}`;
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
