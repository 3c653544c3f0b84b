import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LOGGER, Logger } from '../logging/logger';
import { Metrics } from '../metrics/metrics.service';
import { ForbiddenDestinationError, hostOf, isForbiddenAddress, safeLookup } from './destination-policy';
import { signWebhook } from './signature';
import { WEBHOOK_CHANNEL } from './webhooks.service';
import { version as packageVersion } from '../../package.json';

/** Attempts in flight at once in one process. */
export const MAX_IN_FLIGHT = 16;
/** Fallback poll: catches retries that came due and NOTIFYs lost while the listener reconnected. */
export const POLL_MS = 1000;
/** A claim holds the row for the attempt's timeout plus this, then lapses (a crashed process's claim). */
export const LOCK_MARGIN_MS = 5000;
const LISTEN_RECONNECT_MS = 1000;
const USER_AGENT = `OpenGuilds-Webhooks/${packageVersion}`;

interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  event_id: string;
  payload: string | null;
  attempt_count: number;
  /** the claim token: locked_until as text, exact to the microsecond */
  lock: string;
  destination: string;
  secret: string;
  /** seconds between the attempt being due and this claim of it */
  lag_seconds: number;
}

type GotFn = typeof import('got').default;
let gotModule: Promise<GotFn> | undefined;
/** got is ESM-only (docs/esm-and-jest.md): loaded once, on first use. */
function loadGot(): Promise<GotFn> {
  gotModule ??= import('got').then((m) => m.default);
  return gotModule;
}

/**
 * Sends the webhook outbox. Runs in every server process; processes share the work through
 * `FOR UPDATE SKIP LOCKED` claims that hold a row for one attempt (`locked_until`), so no attempt
 * is sent twice while its claim lives and a crashed process's claims simply lapse.
 * Woken by NOTIFY (a dedicated LISTEN connection, reconnected when it drops), by a 1 s poll,
 * by the local timer of a retry it scheduled, and by the end of an attempt when it was saturated.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private running = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private saturated = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private poll: NodeJS.Timeout | undefined;
  private listener: Client | undefined;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.poll = setInterval(() => this.wake(), POLL_MS);
    this.poll.unref();
    void loadGot().catch((err) => this.logger.error({ err }, 'webhooks: could not load got'));
    this.listen();
    this.wake();
  }

  /** Stops claiming, then waits for the pump and every attempt in flight (each bounded by the timeout) to finish and record. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    if (this.poll) clearInterval(this.poll);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims and starts due deliveries now (coalesced: a wake during a claim runs one more claim). */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
    });
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        while (this.running) {
          const room = MAX_IN_FLIGHT - this.inFlight.size;
          if (room <= 0) {
            this.saturated = true;
            break;
          }
          const claimed = await this.claim(room);
          this.saturated = claimed.length === room;
          for (const d of claimed) this.track(this.attempt(d));
          if (claimed.length < room) break;
        }
      } while (this.again && this.running);
    } catch (err) {
      this.logger.error({ err }, 'webhooks: claiming deliveries failed');
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      if (this.saturated) this.wake();
    });
  }

  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const lockMs = this.config.webhookTimeoutMs + LOCK_MARGIN_MS;
    return this.db.query(
      // (wrapped in a CTE so TypeORM returns plain rows: it returns [rows, count] for a bare UPDATE)
      `WITH claimed AS (
       UPDATE webhook_deliveries d
          SET locked_until = now() + make_interval(secs => $2::float8 / 1000), updated = now()
         FROM webhooks w
        WHERE d.id IN (SELECT id FROM webhook_deliveries
                        WHERE status = 'pending' AND next_attempt_at <= now()
                          AND (locked_until IS NULL OR locked_until < now())
                        ORDER BY next_attempt_at
                        LIMIT $1
                        FOR UPDATE SKIP LOCKED)
          AND w.id = d.webhook_id AND w.deleted_at IS NULL
       RETURNING d.id, d.webhook_id, d.event_id, d.payload, d.attempt_count, d.locked_until::text AS lock, w.destination, w.secret,
                 greatest(0, extract(epoch FROM now() - d.next_attempt_at))::float8 AS lag_seconds)
       SELECT * FROM claimed`,
      [limit, lockMs],
    );
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
      const [row]: Array<{ applied: boolean }> = await this.db.query(
        `WITH upd AS (
           UPDATE webhook_deliveries
              SET status = $2, attempt_count = $3, locked_until = NULL, updated = now(),
                  next_attempt_at = CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $4::float8) END
            WHERE id = $1 AND status = 'pending' AND locked_until = $5::timestamptz
           RETURNING next_attempt_at)
         INSERT INTO webhook_attempts (delivery_id, attempt, status_code, duration_ms, error, next_attempt_at)
         VALUES ($1, $3, $6, $7, $8, (SELECT next_attempt_at FROM upd))
         RETURNING EXISTS (SELECT 1 FROM upd) AS applied`,
        [d.id, status, attempt, retryInSeconds, d.lock, statusCode, durationMs, error],
      );
      const fields = { webhookId: d.webhook_id, deliveryId: d.id, eventId: d.event_id, attempt, statusCode, durationMs, error };
      if (!row?.applied) this.logger.warn(fields, 'webhooks: attempt finished after its claim was lost (webhook deleted or claim lapsed); delivery left as is');
      else if (status === 'succeeded') this.logger.info(fields, 'webhook delivered');
      else this.logger.warn({ ...fields, retryInSeconds }, status === 'failed' ? 'webhook delivery failed for good' : 'webhook attempt failed; will retry');
    } catch (err) {
      // The claim lapses and another attempt is made: at-least-once.
      this.logger.error({ err, deliveryId: d.id }, 'webhooks: recording an attempt failed');
    }
    if (retryInSeconds !== null && this.running) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.wake();
      }, retryInSeconds * 1000 + 5);
      t.unref();
      this.timers.add(t);
    }
  }

  /** LISTEN on a connection of its own; when it drops, reconnect (and wake, for what was missed). */
  private listen(): void {
    if (!this.running) return;
    const client = new Client({ connectionString: this.config.databaseUrl });
    this.listener = client;
    let retried = false;
    const retry = () => {
      if (retried) return;
      retried = true;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (!this.running || this.listener !== client) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.listen();
      }, LISTEN_RECONNECT_MS);
      t.unref();
      this.timers.add(t);
    };
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      if (this.running) this.logger.warn({ err }, 'webhooks: LISTEN connection error; reconnecting');
      retry();
    });
    client.on('end', retry);
    client
      .connect()
      .then(() => client.query(`LISTEN ${WEBHOOK_CHANNEL}`))
      .then(() => this.wake())
      .catch((err) => {
        if (this.running) this.logger.warn({ err }, 'webhooks: could not LISTEN; polling meanwhile, reconnecting');
        retry();
      });
  }
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') return `timeout: no response within ${timeoutMs} ms`;
  const text = `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
