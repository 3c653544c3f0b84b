import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LOGGER, Logger } from '../logging/logger';
import { Metrics } from '../metrics/metrics.service';
import { ForbiddenDestinationError, hostOf, isForbiddenAddress, safeLookup } from './destination-policy';
import { signWebhook } from './signature';
import { QueueService } from '../queue/queue.service';
import { claimDelivery, ClaimedDelivery, recordAttempt, requeueStuckDeliveries } from './webhooks.repository';
import { version as packageVersion } from '../../package.json';

/** The queue's task that sends one delivery (queued by a trigger on webhook_deliveries: migration 1732500300000). */
export const WEBHOOK_DELIVERY_TASK = 'webhook-delivery';
/** A claim holds the row for the attempt's timeout plus this, then lapses (a crashed process's claim). */
export const LOCK_MARGIN_MS = 5000;
/** How often, and after how long unclaimed, a due delivery's job is queued again (see onModuleInit). */
const RESCUE_EVERY_MS = 60_000;
const RESCUE_AFTER_SECONDS = 60;
const USER_AGENT = `OpenGuilds-Webhooks/${packageVersion}`;

type GotFn = typeof import('got').default;
let gotModule: Promise<GotFn> | undefined;
/** got is ESM-only (docs/esm-and-jest.md): loaded once, on first use. */
function loadGot(): Promise<GotFn> {
  gotModule ??= import('got').then((m) => m.default);
  return gotModule;
}

/**
 * Sends the webhook outbox, one queue job per attempt. The job only says "look at delivery N";
 * the delivery row decides: a job claims its row for one attempt (`locked_until`, a claim token),
 * so across processes no attempt is sent twice while its claim lives. Scheduling is the trigger's
 * (migration 1732500300000), in the transaction that changes the row: a new or retried delivery
 * queues a job at `next_attempt_at`, a claim queues one at `locked_until` (it finds the row
 * lapsed only when the process that claimed it died mid-attempt), an ended delivery removes its job.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly queue: QueueService,
  ) {}

  onModuleInit(): void {
    void loadGot().catch((err) => this.logger.error({ err }, 'webhooks: could not load got'));
    this.queue.define<{ delivery_id: string }>(WEBHOOK_DELIVERY_TASK, async (job) => {
      const d = await this.claim(job.payload.delivery_id);
      if (d) await this.attempt(d);
    });
    // A backstop: a delivery due and unclaimed for a minute gets its job queued again (the no-op
    // UPDATE fires the trigger). Jobs of a killed process are released at once by the queue
    // (releaseDeadWorkers); this catches a job the library gave up on (database down through its retries).
    this.queue.repeat('webhook-rescue', RESCUE_EVERY_MS, async () => {
      const rescued = await requeueStuckDeliveries(this.db.manager, RESCUE_AFTER_SECONDS);
      if (rescued.length) this.logger.warn({ deliveries: rescued.map((r) => r.id) }, 'webhooks: queued stuck deliveries again');
    });
  }

  /** The delivery, when it is pending, due, not claimed by a live attempt, and its webhook not deleted. */
  private async claim(id: string): Promise<ClaimedDelivery | undefined> {
    const lockMs = this.config.webhookTimeoutMs + LOCK_MARGIN_MS;
    return claimDelivery(this.db.manager, id, lockMs);
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const attempt = d.attempt_count + 1;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = d.payload ?? '';
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const url = new URL(d.destination);
      const allowPrivate = this.config.webhookAllowPrivate;
      // Node connects to an IP literal without a lookup, so literals are checked here; names are
      // checked by safeLookup on the very addresses the socket then connects to.
      if (!allowPrivate && isIP(hostOf(url)) && isForbiddenAddress(hostOf(url))) throw new ForbiddenDestinationError();
      const got = await loadGot();
      const res = await got.post(url, {
        body,
        headers: {
          'webhook-id': d.event_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(d.secret, d.event_id, timestamp, body),
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
        },
        followRedirect: false,
        retry: { limit: 0 },
        throwHttpErrors: false,
        timeout: { request: this.config.webhookTimeoutMs },
        responseType: 'buffer',
        ...(allowPrivate ? {} : { dnsLookup: safeLookup as never }),
      });
      statusCode = res.statusCode;
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (err) {
      error = describe(err, this.config.webhookTimeoutMs);
    }
    const durationMs = Math.round(performance.now() - started);
    const schedule = this.config.webhookRetryScheduleSeconds;
    const retryInSeconds = error !== null && attempt <= schedule.length ? schedule[attempt - 1] : null;
    const status = error === null ? 'succeeded' : retryInSeconds !== null ? 'pending' : 'failed';
    this.metrics.webhookAttempts.inc({ result: status === 'pending' ? 'retry' : status });
    this.metrics.webhookLag.observe(d.lag_seconds);
    try {
      const row = await recordAttempt(this.db.manager, {
        deliveryId: d.id,
        lock: d.lock,
        status,
        attempt,
        retryInSeconds,
        statusCode,
        durationMs,
        error,
      });
      const fields = { webhookId: d.webhook_id, deliveryId: d.id, eventId: d.event_id, attempt, statusCode, durationMs, error };
      if (!row?.applied) this.logger.warn(fields, 'webhooks: attempt finished after its claim was lost (webhook deleted or claim lapsed); delivery left as is');
      else if (status === 'succeeded') this.logger.info(fields, 'webhook delivered');
      else this.logger.warn({ ...fields, retryInSeconds }, status === 'failed' ? 'webhook delivery failed for good' : 'webhook attempt failed; will retry');
    } catch (err) {
      // The claim lapses and another attempt is made: at-least-once.
      this.logger.error({ err, deliveryId: d.id }, 'webhooks: recording an attempt failed');
    }
  }
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') return `timeout: no response within ${timeoutMs} ms`;
  const text = `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
