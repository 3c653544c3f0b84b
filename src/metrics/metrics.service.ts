import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { sql } from '../database/sql';

/**
 * The Prometheus metrics of one server process (API.md §10). Counters count what this process
 * did (sum them across processes); the gauges read from the database describe the shared state
 * and are the same on every process (take max, not sum). Labels never carry tenant data: routes
 * are patterns (`/api/guilds/:id`), tasks are ids, never names or emails.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'openguilds_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'openguilds_http_request_duration_seconds',
    help: 'Time from the request arriving to the response being sent, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly claims = new Counter({
    name: 'openguilds_claims_total',
    help: 'Claims of work: claimed (an assignment was made) or empty (no open work at the task)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly submits = new Counter({
    name: 'openguilds_submits_total',
    help: 'Assignments submitted',
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'openguilds_webhook_attempts_total',
    help: 'Webhook delivery attempts by result: succeeded, retry (failed, another attempt is scheduled) or failed (given up)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly webhookLag = new Histogram({
    name: 'openguilds_webhook_delivery_lag_seconds',
    help: 'How late an attempt started after it was due (queued or retry time)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  private readonly openWork = new Gauge({
    name: 'openguilds_open_work_items',
    help: 'Work items waiting for a worker (state=open) or held by one (state=claimed), per task id',
    labelNames: ['task_id', 'state'] as const,
    registers: [this.registry],
  });

  private readonly queueDepth = new Gauge({
    name: 'openguilds_queue_depth',
    help: 'Items in a Postgres queue: pending (all not finished) and due (ready to run now)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  private readonly webhookOldestDue = new Gauge({
    name: 'openguilds_webhook_oldest_due_seconds',
    help: 'Age of the oldest webhook delivery that is due and not yet sent (0 when none)',
    registers: [this.registry],
  });

  private readonly pool = new Gauge({
    name: 'openguilds_db_pool_connections',
    help: "This process's PostgreSQL pool: total and idle connections, and requests waiting for one",
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  private readonly scrapeErrors = new Counter({
    name: 'openguilds_metrics_scrape_errors_total',
    help: 'Scrapes whose database gauges could not be read (database down); the gauges keep their last values',
    registers: [this.registry],
  });

  constructor(@InjectDataSource() private readonly ds: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'openguilds_' });
  }

  /** The text exposition, with the database-backed gauges read now (two queries). */
  async render(): Promise<string> {
    this.readPool();
    try {
      await Promise.all([this.readOpenWork(), this.readQueues()]);
    } catch {
      this.scrapeErrors.inc();
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async readOpenWork(): Promise<void> {
    // the claimable partial index (task_id, id) WHERE status IN ('open','claimed') covers this
    const rows = await sql<{ task_id: string; open: string; claimed: string }>(
      this.ds.manager,
      `SELECT task_id::text, count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'claimed') AS claimed
         FROM work_items WHERE status IN ('open', 'claimed') GROUP BY task_id`,
    );
    this.openWork.reset(); // tasks with nothing left disappear instead of staying at their last value
    for (const r of rows) {
      this.openWork.set({ task_id: r.task_id, state: 'open' }, Number(r.open));
      this.openWork.set({ task_id: r.task_id, state: 'claimed' }, Number(r.claimed));
    }
  }

  private async readQueues(): Promise<void> {
    const [w] = await sql<{ pending: string; due: string; oldest: number | null }>(
      this.ds.manager,
      `SELECT count(*) AS pending, count(*) FILTER (WHERE next_attempt_at <= now()) AS due,
              extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now()))::float8 AS oldest
         FROM webhook_deliveries WHERE status = 'pending'`,
    );
    // the background queue (graphile-worker): one series per task name (webhook-delivery, invite mail, sweeps)
    const jobs = await sql<{ task: string; pending: string; due: string }>(
      this.ds.manager,
      `SELECT task_identifier AS task, count(*) AS pending, count(*) FILTER (WHERE run_at <= now() AND attempts < max_attempts) AS due
         FROM graphile_worker.jobs GROUP BY task_identifier`,
    );
    this.queueDepth.reset();
    this.queueDepth.set({ queue: 'webhook_deliveries', state: 'pending' }, Number(w.pending));
    this.queueDepth.set({ queue: 'webhook_deliveries', state: 'due' }, Number(w.due));
    this.webhookOldestDue.set(Math.max(0, w.oldest ?? 0));
    for (const j of jobs) {
      this.queueDepth.set({ queue: `jobs:${j.task}`, state: 'pending' }, Number(j.pending));
      this.queueDepth.set({ queue: `jobs:${j.task}`, state: 'due' }, Number(j.due));
    }
  }

  private readPool(): void {
    const pool = (this.ds.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
    if (!pool) return;
    this.pool.set({ state: 'total' }, pool.totalCount);
    this.pool.set({ state: 'idle' }, pool.idleCount);
    this.pool.set({ state: 'waiting' }, pool.waitingCount);
  }
}
