import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LOGGER, Logger } from '../logging/logger';

/** A claimed job as a handler sees it. */
export interface Job<P = Record<string, unknown>> {
  id: string;
  queue: string;
  payload: P;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
}

export type JobHandler<P = Record<string, unknown>> = (job: Job<P>) => Promise<void>;

export interface HandlerOptions {
  /** runs before the job is given up (run_at set to 'infinity', last_error kept); default 10 */
  maxAttempts?: number;
  /** seconds to wait before retry n (1-based); default min(2^n, 3600) */
  backoffSeconds?: (attempt: number) => number;
}

const CHANNEL = 'og_jobs';
/** A claim is held this long; a process that dies mid-job lets another process run it after. */
const LOCK_SECONDS = 300;
const POLL_MS = 1000;

/**
 * A small Postgres job queue on the `jobs` table (docs/jobs.md).
 * - `enqueue(em, queue, payload, runAt?)` inside the caller's transaction: the job exists iff the
 *   transaction commits; a NOTIFY (delivered at commit) wakes the workers.
 * - `register(queue, handler)` in a module's onModuleInit.
 * - Each server process runs one worker loop that claims due jobs with FOR UPDATE SKIP LOCKED,
 *   so any number of processes share the work and no job runs twice at once.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly handlers = new Map<string, { handler: JobHandler<never>; opts: HandlerOptions }>();
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pending = false;
  private listener: Client | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  register<P extends Record<string, unknown> = Record<string, unknown>>(queue: string, handler: JobHandler<P>, opts: HandlerOptions = {}): void {
    if (this.handlers.has(queue)) throw new Error(`a handler for job queue "${queue}" is already registered`);
    this.handlers.set(queue, { handler: handler as JobHandler<never>, opts });
  }

  /** Adds a job in the caller's transaction; returns its id. */
  async enqueue(em: EntityManager, queue: string, payload: Record<string, unknown>, runAt?: Date): Promise<string> {
    const rows: Array<{ id: string }> = await em.query(
      `INSERT INTO jobs (queue, payload, run_at) VALUES ($1, $2, coalesce($3::timestamptz, now())) RETURNING id`,
      [queue, JSON.stringify(payload), runAt ?? null],
    );
    await em.query(`SELECT pg_notify($1, $2)`, [CHANNEL, queue]);
    return String(rows[0].id);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopped = false;
    await this.listen();
    this.loop = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /** Runs every due job now (tests, sweeps); resolves when none is due. */
  async drain(): Promise<void> {
    while (await this.runOne()) {
      /* next */
    }
  }

  private async listen(): Promise<void> {
    if (!this.config.databaseUrl) return;
    try {
      const client = new Client({ connectionString: this.config.databaseUrl });
      client.on('error', (err) => this.logger.warn({ err }, 'job queue LISTEN connection failed; polling only'));
      client.on('notification', () => this.poke());
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.logger.warn({ err }, 'job queue could not LISTEN; polling only');
    }
  }

  private poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.pending = false;
      try {
        while (!this.stopped && (await this.runOne())) {
          /* drain */
        }
      } catch (err) {
        if (!this.stopped) this.logger.error({ err }, 'job queue worker error');
      }
      if (this.stopped || this.pending) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Claims and runs one due job of a registered queue; false when none is due. */
  private async runOne(): Promise<boolean> {
    const queues = [...this.handlers.keys()];
    if (queues.length === 0) return false;
    const rows: Array<{ id: string; queue: string; payload: Record<string, unknown>; attempts: number }> = await this.db.query(
      // (wrapped in a CTE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING)
      `WITH claimed AS (
         UPDATE jobs SET attempts = attempts + 1, locked_until = now() + make_interval(secs => $2)
          WHERE id = (SELECT id FROM jobs
                       WHERE queue = ANY($1) AND run_at <= now() AND (locked_until IS NULL OR locked_until < now())
                       ORDER BY run_at, id
                       FOR UPDATE SKIP LOCKED
                       LIMIT 1)
          RETURNING id, queue, payload, attempts)
       SELECT * FROM claimed`,
      [queues, LOCK_SECONDS],
    );
    const row = rows[0];
    if (!row) return false;
    const entry = this.handlers.get(row.queue)!;
    const job: Job = { id: String(row.id), queue: row.queue, payload: row.payload, attempt: row.attempts };
    try {
      await (entry.handler as JobHandler)(job);
      await this.db.query(`DELETE FROM jobs WHERE id = $1`, [row.id]);
    } catch (err) {
      const max = entry.opts.maxAttempts ?? 10;
      const giveUp = row.attempts >= max;
      const delay = (entry.opts.backoffSeconds ?? defaultBackoff)(row.attempts);
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn({ jobId: job.id, queue: job.queue, attempt: row.attempts, giveUp, error: message }, 'job failed');
      await this.db.query(
        `UPDATE jobs SET locked_until = NULL, last_error = $2,
                run_at = CASE WHEN $3 THEN 'infinity'::timestamptz ELSE now() + make_interval(secs => $4) END
          WHERE id = $1`,
        [row.id, message.slice(0, 2000), giveUp, delay],
      );
    }
    return true;
  }
}

function defaultBackoff(attempt: number): number {
  return Math.min(2 ** attempt, 3600);
}
