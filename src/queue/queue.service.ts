import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JobHelpers, Logger as WorkerLogger, run, Runner, Task, WorkerEvents } from 'graphile-worker';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Client, Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { watchConnection } from '../database/connection-errors';
import { LOGGER, Logger } from '../logging/logger';
import { addJob, deleteDeadProcesses, deleteProcess, forceUnlockWorkers, insertProcess, setWorkerIds, takeLivenessLock } from './queue.repository';

/** A job as its handler sees it. */
export interface QueueJob<P> {
  id: string;
  payload: P;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  maxAttempts: number;
}

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

/** How often one of the processes looks for dead processes' locked jobs (and once at every start). */
export const RELEASE_DEAD_WORKERS_TASK = 'release-dead-workers';
const RELEASE_EVERY_MS = 15_000;
/**
 * A stopped runner is started again after 1 s, then 2, 4, at most 5 s apart while that fails:
 * a start that fails costs one refused connection, and jobs wait for it (with 30 s apart, an
 * invite made after a 4 s outage waited up to half a minute: database-outage test).
 */
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 5_000;

/** graphile-worker's info messages that are routine, logged at debug: a job completed. */
const ROUTINE_INFO = /^Completed task /;

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
  /** the library's connections; ours, so that an error on an idle one (database restarting or stopping) is logged, not thrown */
  private pool: Pool | undefined;
  /** this process in queue_processes */
  private readonly token = randomUUID();
  /** holds the advisory lock on `token` while this process lives (see holdLiveness) */
  private liveness: Client | undefined;
  private stopping = false;
  /** the ids graphile-worker gave the workers of this process's runner (what force_unlock_workers takes) */
  private workerIds: string[] = [];
  /** the workers of runners the library stopped (see `stopped`): their jobs are unlocked by releaseDeadWorkers */
  private stoppedWorkerIds: string[] = [];
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
    return addJob(em, {
      task,
      payloadJson: JSON.stringify(payload),
      runAt: opts.runAt ?? null,
      maxAttempts: opts.maxAttempts ?? null,
      key: opts.key ?? null,
      keyMode: opts.key && opts.keepRunAt ? 'preserve_run_at' : null,
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.repeat(RELEASE_DEAD_WORKERS_TASK, RELEASE_EVERY_MS, () => this.releaseDeadWorkers());
    await this.holdLiveness();
    this.pool = new Pool({ connectionString: this.config.databaseUrl, max: 5, application_name: 'openguilds-queue' });
    // an idle connection failing (database restarting or stopping): pg-pool drops it, and its own
    // listener below has logged it
    this.pool.on('error', () => undefined);
    // Every connection listens for its own death from its start, checked out or not (as
    // graphile-worker asks of a pool it is given; its own listeners would log at error level).
    this.pool.on('connect', (client) => watchConnection(client, this.log, 'queue'));
    await this.start();
    // a process that died before this one started may hold jobs: release them now, not in a cycle
    await this.releaseDeadWorkers();
    for (const [task, everyMs] of this.repeats) {
      // every process makes sure the series exists; the waiting job's time is kept when it does
      await this.add(this.db.manager, task, {}, { key: task, keepRunAt: true, runAt: new Date(Date.now() + everyMs) });
    }
  }

  /** Starts a runner on the queue's pool and registers its workers in queue_processes. */
  private async start(): Promise<void> {
    const events: WorkerEvents = new EventEmitter();
    const workerIds: string[] = [];
    // The id a job is locked with: graphile-worker 0.17 takes jobs for the whole pool of workers
    // (locked_by is the pool's id, not a worker's); the workers' ids are kept too, in case a
    // later version locks per worker again.
    events.on('pool:create', ({ workerPool }) => workerIds.push(workerPool.id));
    events.on('worker:create', ({ worker }) => workerIds.push(worker.workerId));
    const runner = await run({
      events,
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
          // (database-outage test). The job whose outcome was lost is unlocked by releaseDeadWorkers.
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
      taskList: Object.fromEntries(this.tasks),
      logger: new WorkerLogger(() => (level, message, meta) => {
        const fields = { ...meta };
        if (level === 'error') this.log.error(fields, message);
        else if (level === 'warning') this.log.warn(fields, message);
        // a job completing is routine (the lease sweep completes every 10 s): debug; failures stay warn/error
        else if (level === 'info' && !ROUTINE_INFO.test(message)) this.log.info(fields, message);
        else this.log.debug(fields, message);
      }),
    });
    try {
      if (this.stopping) throw new Error('the queue is stopping');
      await setWorkerIds(this.db.manager, this.token, [...workerIds, ...this.stoppedWorkerIds]);
    } catch (err) {
      await runner.stop().catch(() => undefined);
      throw err;
    }
    this.workerIds = workerIds;
    this.runner = runner;
    runner.promise.then(
      () => this.stopped(runner),
      (err) => this.stopped(runner, err),
    );
  }

  /**
   * The library stops its runner for good when it cannot record a job's outcome (the database
   * went away). While the application runs, a stopped runner is replaced: started again once the
   * database answers (a start checks the queue's schema), retried with a backoff until then. The
   * stopped runner's workers are gone, so the job they held is unlocked (releaseDeadWorkers).
   */
  private stopped(runner: Runner, err?: unknown): void {
    if (this.runner !== runner || this.stopping) return;
    this.runner = undefined;
    this.stoppedWorkerIds.push(...this.workerIds);
    this.workerIds = [];
    this.log.warn({ err }, 'queue runner stopped; starting it again');
    this.restartAfter(RESTART_FIRST_MS);
  }

  private restartAfter(ms: number): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarting = this.start().then(
        async () => {
          this.log.info('queue runner started again');
          await this.releaseDeadWorkers().catch((err) => this.log.warn({ err }, "queue: releasing the stopped runner's jobs failed; retried every cycle"));
        },
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
    // stopped gracefully: the library has released this process's jobs
    await deleteProcess(this.db.manager, this.token).catch(() => undefined);
    await this.liveness?.end().catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
  }

  /**
   * A job taken by a process that was then killed stays locked in graphile-worker for four hours
   * (it has no heartbeat). So every process registers its worker ids in queue_processes and holds
   * an advisory lock on its token on a connection of its own: Postgres frees the lock the moment
   * the process dies. After a database outage the lock is taken again on a new connection.
   */
  private async holdLiveness(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl, application_name: 'openguilds-queue-liveness' });
    client.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'queue: liveness connection lost; taking it again');
      if (this.liveness === client) this.liveness = undefined;
      void client.end().catch(() => undefined);
      void this.retakeLiveness();
    });
    await client.connect();
    await takeLivenessLock(client, this.token);
    await insertProcess(client, this.token);
    this.liveness = client;
  }

  private async retakeLiveness(): Promise<void> {
    for (let delay = 500; !this.stopping && !this.liveness; delay = Math.min(delay * 2, 10_000)) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.stopping) return;
      try {
        await this.holdLiveness();
        // the row may have been swept while we were away: register our workers again, with those of
        // runners the library stopped whose jobs are not released yet (as start() does)
        await setWorkerIds(this.db.manager, this.token, [...this.workerIds, ...this.stoppedWorkerIds]);
      } catch (err) {
        this.logger.debug({ err }, 'queue: database not back yet');
      }
    }
  }

  /**
   * Unlocks the jobs of processes that are gone: their row's advisory lock is free (tried as a
   * transaction lock, so it is not kept). Runs at every start and every RELEASE_EVERY_MS.
   */
  async releaseDeadWorkers(): Promise<void> {
    // and the workers of this process's runners that the library stopped (see `stopped`)
    const stopped = [...this.stoppedWorkerIds];
    await this.db.transaction(async (em) => {
      const dead = await deleteDeadProcesses(em, this.token);
      const workerIds = [...dead.flatMap((d) => d.worker_ids), ...stopped];
      if (workerIds.length === 0) return;
      await forceUnlockWorkers(em, workerIds);
      if (dead.length) this.logger.warn({ processes: dead.length }, 'queue: released the jobs of a process that died');
      if (stopped.length) this.log.warn({ workers: stopped.length }, 'queue: released the jobs of a runner stopped by a database outage');
    });
    this.stoppedWorkerIds = this.stoppedWorkerIds.filter((id) => !stopped.includes(id));
  }
}
