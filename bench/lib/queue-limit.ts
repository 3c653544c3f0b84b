import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Issue 15's reference script (a minimal durable claim+submit queue in pgbench); overridable for another checkout. */
export const QUEUE_LIMIT_SCRIPT = process.env.QUEUE_LIMIT_SCRIPT ?? '/work/shared/bench/queue-limit.sh';

export interface QueueLimit {
  pairsPerSecond: number;
  /** the script's own summary lines (latency, failed transactions, the limit) */
  output: string;
  seconds: number;
}

/** Pulls the figure out of the script's last line: `queue limit: 1093.5 pairs/s (50 clients, 20s, durable commits)`. */
export function parseQueueLimit(stdout: string): number {
  const m = /queue limit: ([\d.]+) pairs\/s/.exec(stdout);
  const v = m ? Number(m[1]) : NaN;
  if (!(v > 0)) throw new Error(`queue-limit: no "queue limit: N pairs/s" line in its output:\n${stdout}`);
  return v;
}

/**
 * Runs `queue-limit.sh PROJECT_DIR clients seconds` as a child process, in the same run as the
 * measurements it is the baseline of. It starts its own PostgreSQL from the project's embedded
 * binaries as the `postgres` user (runuser: the bench must run as root).
 */
export async function measureQueueLimit(projectDir: string, clients: number, seconds: number): Promise<QueueLimit> {
  const t0 = performance.now();
  const { stdout } = await run('bash', [QUEUE_LIMIT_SCRIPT, path.resolve(projectDir), String(clients), String(seconds)], {
    maxBuffer: 16 << 20,
    timeout: (seconds + 300) * 1000,
  }).catch((err: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`${QUEUE_LIMIT_SCRIPT} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  return { pairsPerSecond: parseQueueLimit(stdout), output: stdout.trim(), seconds: (performance.now() - t0) / 1000 };
}
