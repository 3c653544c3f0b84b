import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JobHelpers, Logger as WorkerLogger, run, Runner, Task } from 'graphile-worker';
import { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { watchConnection } from '../database/connection-errors';
import { sql } from '../database/sql';
import { LOGGER, Logger } from '../logging/logger';

/** A job as its handler sees it. */
export interface QueueJob<P> {
  id: string;
  payload: P;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  maxAttempts: number;
}

/** A stopped runner is started again after 1 s, then 2, 4, … at most 30 s apart while that fails. */
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 30_000;

export type JobHandler<P> = (job: QueueJob<P>) => Promise<void>;

export interface AddOptions {
  /** not before this time (default: now) */
  runAt?: Date;
  /**
   * At most one waiting job per key: adding again replaces the waiting one (its payload and
   * run_at); while a job with the key runs, adding makes a new one (docs/architecture.md, queue).
   */
  key?: string;
  /** with a key: keep the waiting job's run_at instead of replacing it */
  keepRunAt?: boolean;
  /** runs before the job is given up (graphile-worker's default 25; retries back off exponentially) */
  maxAttempts?: number;
}

/** The SQL that queues a job; also usable inside a composed statement or a trigger. */
export const ADD_JOB_SQL = `SELECT (graphile_worker.add_job(identifier => $1, payload => $2::json, run_at => $3::timestamptz,
          max_attempts => $4::smallint, job_key => $5, job_key_mode => $6)).id::text AS id`;

/**
 * The one job queue of the application: graphile-worker on this Postgres database (why it and
 * not pg-boss: docs/architecture.md). Every server process runs one runner; a job runs in one
 * process at a time (SELECT … FOR UPDATE SKIP LOCKED in the library), woken by LISTEN/NOTIFY
 * (reconnected by the library after the database returns) with a poll as the fallback.
 *
 * - `define(task, handler)` in a module's onModuleInit, before the runner starts.
 * - `add(em, task, payload)` inside the caller's transaction: the job exists iff it commits.
 * - `repeat(task, everyMs, handler)` for periodic work (sweeps): one waiting job shared by all
 *   processes, each run schedules the next before it does its work.
 */
@Injectable()
export class QueueService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly tasks = new Map<string, Task>();
  private readonly repeats = new Map<string, number>();
  private runner: Runner | undefined;
  private pool: Pool | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.log = logger.child({ component: 'queue' });
  }

  define<P>(task: string, handler: JobHandler<P>): void {
    if (this.tasks.has(task)) throw new Error(`a handler for job "${task}" is already defined`);
    if (this.runner) throw new Error(`job "${task}" defined after the queue started`);
    this.tasks.set(task, (payload: unknown, helpers: JobHelpers) =>
      handler({ id: helpers.job.id, payload: payload as P, attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts }),
    );
  }

  /**
   * Periodic work: every `everyMs`, in one of the processes. A failing run is logged, not retried
   * (the next comes anyway); only when scheduling the next fails (database down) is the run
   * retried by the library, with its backoff.
   */
  repeat(task: string, everyMs: number, handler: () => Promise<void>): void {
    this.repeats.set(task, everyMs);
    this.define(task, async () => {
      // next run first, so a crash or error in this one does not end the series
      await this.add(this.db.manager, task, {}, { key: task, runAt: new Date(Date.now() + everyMs) });
      await handler().catch((err) => this.logger.warn({ err, task }, 'periodic job failed'));
    });
  }

  /** Queues a job in the caller's transaction (or alone, with `db.manager`); returns its id. */
  async add(em: EntityManager, task: string, payload: Record<string, unknown>, opts: AddOptions = {}): Promise<string> {
    const [row] = await sql<{ id: string }>(em, ADD_JOB_SQL, [
      task,
      JSON.stringify(payload),
      opts.runAt ?? null,
      opts.maxAttempts ?? null,
      opts.key ?? null,
      opts.key && opts.keepRunAt ? 'preserve_run_at' : null,
    ]);
    return row.id;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.pool = new Pool({ connectionString: this.config.databaseUrl, max: 5 });
    // an idle connection's death (pg-pool drops it; it is logged by its own listener below)
    this.pool.on('error', () => undefined);
    // every connection listens for its own death from its start (as graphile-worker asks of a pool
    // it is given; its own listeners would log an outage at error level)
    this.pool.on('connect', (client) => watchConnection(client, this.log, 'queue'));
    await this.start();
    for (const [task, everyMs] of this.repeats) {
      // every process makes sure the series exists; the waiting job's time is kept when it does
      await this.add(this.db.manager, task, {}, { key: task, keepRunAt: true, runAt: new Date(Date.now() + everyMs) });
    }
  }

  private async start(): Promise<void> {
    const runner = await run({
      // its own small pool: the LISTEN connection plus short get/complete statements
      pgPool: this.pool,
      concurrency: this.config.queueConcurrency,
      pollInterval: this.config.queuePollIntervalMs,
      noHandleSignals: true,
      // a running job (a webhook attempt is bounded by its timeout) may finish before shutdown
      gracefulShutdownAbortTimeout: this.config.webhookTimeoutMs + 5000,
      preset: {
        worker: {
          // Marking a job done or failed goes through the library's batcher (0 ms: nothing waits
          // for a batch), which handles a failed write: it logs it and stops the runner, which
          // `stopped` replaces. Unbatched (the default) the library does not await that write, and
          // one made while the database was down rejected unhandled and ended the process
          // (database-outage test). Either way the job whose outcome was lost stays locked until
          // the library's lock expiry (4 h) and then runs again (docs/operations.md).
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
      taskList: Object.fromEntries(this.tasks),
      logger: new WorkerLogger(() => (level, message, meta) => {
        const fields = { ...meta };
        if (level === 'error') this.log.error(fields, message);
        else if (level === 'warning') this.log.warn(fields, message);
        else if (level === 'info') this.log.info(fields, message);
        else this.log.debug(fields, message);
      }),
    });
    if (this.stopping) return void (await runner.stop());
    this.runner = runner;
    runner.promise.then(
      () => this.stopped(runner),
      (err) => this.stopped(runner, err),
    );
  }

  /**
   * The library stops its runner for good when it cannot record a job's outcome (the database
   * went away). While the application runs, a stopped runner is replaced: started again once the
   * database answers (a start checks the queue's schema), retried with a backoff until then.
   */
  private stopped(runner: Runner, err?: unknown): void {
    if (this.runner !== runner || this.stopping) return;
    this.runner = undefined;
    this.log.warn({ err }, 'queue runner stopped; starting it again');
    this.restartAfter(RESTART_FIRST_MS);
  }

  private restartAfter(ms: number): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarting = this.start().then(
        () => this.log.info('queue runner started again'),
        (err) => {
          const next = Math.min(ms * 2, RESTART_MAX_MS);
          this.log.warn({ err }, `queue runner could not start; trying again in ${next} ms`);
          if (!this.stopping) this.restartAfter(next);
        },
      );
    }, ms);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.restarting;
    const runner = this.runner;
    this.runner = undefined;
    await runner?.stop();
    await this.pool?.end();
  }
}
