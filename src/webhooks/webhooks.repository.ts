import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { AttemptRow, DeliveryRow } from './webhook.presenter';

/**
 * The only code that writes the webhooks, webhook_deliveries and webhook_attempts tables
 * (docs/architecture.md, "Who owns which table"), and the webhooks module's raw reads. One
 * function per statement; pass the transaction's `em`. Every write of webhook_deliveries fires its
 * trigger (migration 1732500300000), which keeps the delivery's one queued job in step with the row.
 */

/** A new delivery's event id: the webhook-id header, the same for every attempt of the event. */
const EVENT_ID_SQL = `'msg_' || replace(gen_random_uuid()::text, '-', '')`;

// ── webhooks ───────────────────────────────────────────────────────────────────────────────────

export interface WebhookRow {
  id: string;
  batch_id: string;
  destination: string;
  events: string[];
  created: Date;
  updated: Date;
}

export interface NewWebhook {
  destination: string;
  secret: string;
  /** the event types as a JSON array */
  eventsJson: string;
}

/** Inserts the webhooks of a batch in the given order. */
export async function insertWebhooks(em: EntityManager, batchId: string, webhooks: NewWebhook[]): Promise<WebhookRow[]> {
  try {
    return await sql<WebhookRow>(
      em,
      `INSERT INTO webhooks (batch_id, destination, secret, events)
       SELECT $1, t.destination, t.secret, ARRAY(SELECT jsonb_array_elements_text(t.events::jsonb))
         FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(destination, secret, events, n) ORDER BY t.n
       RETURNING id, batch_id, destination, events, created, updated`,
      [batchId, webhooks.map((w) => w.destination), webhooks.map((w) => w.secret), webhooks.map((w) => w.eventsJson)],
    );
  } catch (err) {
    // TypeORM's QueryFailedError carries the query parameters, which hold the secrets: an error
    // logged upstream must not print them.
    if (err && typeof err === 'object' && 'parameters' in err) (err as { parameters: unknown }).parameters = ['[redacted]'];
    throw err;
  }
}

/** A live webhook of a batch the user owns (optionally locked until the transaction ends). No secret. */
export function webhookOwnedBy(em: EntityManager, webhookId: string, userId: string, lock: boolean): Promise<WebhookRow | undefined> {
  return sqlOne<WebhookRow>(
    em,
    `SELECT w.id, w.batch_id, w.destination, w.events, w.created, w.updated
       FROM webhooks w JOIN batches b ON b.id = w.batch_id
      WHERE w.id = $1 AND w.deleted_at IS NULL AND b.owner_id = $2${lock ? ' FOR UPDATE OF w' : ''}`,
    [webhookId, userId],
  );
}

/** The batch's id and status if the user owns it (optionally locked until the transaction ends). */
export function batchOwnedBy(em: EntityManager, batchId: string, userId: string, lock: boolean): Promise<{ id: string; status: string } | undefined> {
  return sqlOne<{ id: string; status: string }>(em, `SELECT id, status FROM batches WHERE id = $1 AND owner_id = $2${lock ? ' FOR UPDATE' : ''}`, [
    batchId,
    userId,
  ]);
}

export async function setWebhookEvents(em: EntityManager, webhookId: string, events: string[]): Promise<void> {
  await sql(em, `UPDATE webhooks SET events = $2::text[], updated = now() WHERE id = $1`, [webhookId, events]);
}

export async function markWebhookDeleted(em: EntityManager, webhookId: string): Promise<void> {
  await sql(em, `UPDATE webhooks SET deleted_at = now(), updated = now() WHERE id = $1`, [webhookId]);
}

// ── deliveries (the outbox) ────────────────────────────────────────────────────────────────────

/** One pending delivery, due now, per live webhook of the batch that lists batch.completed. */
export async function insertBatchCompletedDeliveries(em: EntityManager, batchId: string, payload: string): Promise<void> {
  await sql(
    em,
    `INSERT INTO webhook_deliveries (webhook_id, event_id, payload, status, next_attempt_at)
     SELECT id, ${EVENT_ID_SQL}, $2, 'pending', now()
       FROM webhooks WHERE batch_id = $1 AND deleted_at IS NULL AND 'batch.completed' = ANY(events) ORDER BY id`,
    [batchId, payload],
  );
}

export interface QueuedEventsRow {
  queued: number;
  /** the webhooks that claimed the next batch.progress (progress_sent_at set to now) */
  progress_ids: string[];
}

/**
 * One pending delivery per live webhook of the batch per event it lists, and, in the same
 * statement, the webhooks due a batch.progress (none sent in the last minute) claim it.
 */
export async function insertEventDeliveries(em: EntityManager, batchId: string, events: Array<{ type: string; payload: string }>): Promise<QueuedEventsRow> {
  const row = await sqlOne<QueuedEventsRow>(
    em,
    `WITH ev AS (SELECT * FROM unnest($2::text[], $3::text[]) AS e(type, payload)),
     prog AS (
       UPDATE webhooks SET progress_sent_at = now()
        WHERE batch_id = $1 AND deleted_at IS NULL AND 'batch.progress' = ANY(events)
          AND (progress_sent_at IS NULL OR progress_sent_at <= now() - interval '1 minute')
        RETURNING id),
     ins AS (
       INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, next_attempt_at)
       SELECT w.id, ${EVENT_ID_SQL}, ev.type, ev.payload, 'pending', now()
         FROM webhooks w JOIN ev ON ev.type = ANY(w.events)
        WHERE w.batch_id = $1 AND w.deleted_at IS NULL
        ORDER BY w.id
       RETURNING 1)
     SELECT n AS queued, ARRAY(SELECT id::text FROM prog) AS progress_ids FROM (SELECT count(*)::int AS n FROM ins) c`,
    [batchId, events.map((e) => e.type), events.map((e) => e.payload)],
  );
  return row!;
}

/** One pending batch.progress delivery, due now, per given webhook. */
export async function insertProgressDeliveries(em: EntityManager, webhookIds: string[], payload: string): Promise<void> {
  await sql(
    em,
    `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, next_attempt_at)
     SELECT id, ${EVENT_ID_SQL}, 'batch.progress', $2, 'pending', now()
       FROM unnest($1::bigint[]) AS id ORDER BY id`,
    [webhookIds, payload],
  );
}

/** Gives up the webhook's pending deliveries (status failed; the trigger removes their jobs). */
export async function failPendingDeliveriesOf(em: EntityManager, webhookId: string): Promise<void> {
  await sql(
    em,
    `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, locked_until = NULL, updated = now()
      WHERE webhook_id = $1 AND status = 'pending'`,
    [webhookId],
  );
}

const DELIVERY_COLUMNS = 'id, webhook_id, event_id, status, attempt_count, next_attempt_at, created, updated';

/** The webhook's newest delivery; `locked` while an attempt of it is in flight. */
export function lastDeliveryOf(em: EntityManager, webhookId: string): Promise<(DeliveryRow & { locked: boolean }) | undefined> {
  return sqlOne<DeliveryRow & { locked: boolean }>(
    em,
    `SELECT ${DELIVERY_COLUMNS}, (locked_until IS NOT NULL AND locked_until > now()) AS locked
       FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT 1`,
    [webhookId],
  );
}

/** Makes a pending delivery due now (if it was due later). */
export async function makeDeliveryDueNow(em: EntityManager, deliveryId: string): Promise<DeliveryRow> {
  const row = await sqlOne<DeliveryRow>(
    em,
    `UPDATE webhook_deliveries SET next_attempt_at = LEAST(next_attempt_at, now()), updated = now() WHERE id = $1
     RETURNING ${DELIVERY_COLUMNS}`,
    [deliveryId],
  );
  return row!;
}

/** A new pending delivery, due now, of the same event (same event id and body) as the given one. */
export async function insertDeliveryCopy(em: EntityManager, deliveryId: string): Promise<DeliveryRow> {
  const row = await sqlOne<DeliveryRow>(
    em,
    `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status, next_attempt_at)
     SELECT webhook_id, event_id, event_type, payload, 'pending', now() FROM webhook_deliveries WHERE id = $1
     RETURNING ${DELIVERY_COLUMNS}`,
    [deliveryId],
  );
  return row!;
}

/**
 * Re-fires the trigger of pending deliveries due and unclaimed for `seconds` (a no-op UPDATE), so
 * each gets its job queued again. Returns their ids.
 */
export function requeueStuckDeliveries(em: EntityManager, seconds: number): Promise<Array<{ id: string }>> {
  return sql<{ id: string }>(
    em,
    `UPDATE webhook_deliveries SET next_attempt_at = next_attempt_at
      WHERE status = 'pending' AND next_attempt_at < now() - make_interval(secs => $1)
        AND (locked_until IS NULL OR locked_until < now() - make_interval(secs => $1))
        AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = webhook_id AND w.deleted_at IS NULL)
     RETURNING id`,
    [seconds],
  );
}

export interface ClaimedDelivery {
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

/**
 * Claims the delivery for one attempt (`locked_until` = now + lockMs), when it is pending, due,
 * not claimed by a live attempt, and its webhook not deleted; else undefined.
 */
export function claimDelivery(em: EntityManager, deliveryId: string, lockMs: number): Promise<ClaimedDelivery | undefined> {
  return sqlOne<ClaimedDelivery>(
    em,
    `UPDATE webhook_deliveries d
        SET locked_until = now() + make_interval(secs => $2::float8 / 1000), updated = now()
       FROM webhooks w
      WHERE d.id = $1 AND d.status = 'pending' AND d.next_attempt_at <= now()
        AND (d.locked_until IS NULL OR d.locked_until < now())
        AND w.id = d.webhook_id AND w.deleted_at IS NULL
     RETURNING d.id, d.webhook_id, d.event_id, d.payload, d.attempt_count, d.locked_until::text AS lock, w.destination, w.secret,
               greatest(0, extract(epoch FROM now() - d.next_attempt_at))::float8 AS lag_seconds`,
    [deliveryId, lockMs],
  );
}

export interface AttemptOutcome {
  deliveryId: string;
  /** the claim token the attempt was made under (ClaimedDelivery.lock) */
  lock: string;
  status: 'succeeded' | 'pending' | 'failed';
  attempt: number;
  retryInSeconds: number | null;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * Logs the attempt, and ends the claim with the outcome (succeeded, failed, or pending again in
 * `retryInSeconds`) — the latter only while the claim is still the attempt's own. `applied` is
 * false when it was not (webhook deleted or claim lapsed): the delivery is left as is.
 */
export async function recordAttempt(em: EntityManager, a: AttemptOutcome): Promise<{ applied: boolean } | undefined> {
  return sqlOne<{ applied: boolean }>(
    em,
    `WITH upd AS (
       UPDATE webhook_deliveries
          SET status = $2, attempt_count = $3, locked_until = NULL, updated = now(),
              next_attempt_at = CASE WHEN $4::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $4::float8) END
        WHERE id = $1 AND status = 'pending' AND locked_until = $5::timestamptz
       RETURNING next_attempt_at)
     INSERT INTO webhook_attempts (delivery_id, attempt, status_code, duration_ms, error, next_attempt_at)
     VALUES ($1, $3, $6, $7, $8, (SELECT next_attempt_at FROM upd))
     RETURNING EXISTS (SELECT 1 FROM upd) AS applied`,
    [a.deliveryId, a.status, a.attempt, a.retryInSeconds, a.lock, a.statusCode, a.durationMs, a.error],
  );
}

/** Every attempt of every delivery of the webhook, newest first. */
export function attemptsOfWebhook(em: EntityManager, webhookId: string, offset: number, limit: number): Promise<AttemptRow[]> {
  return sql<AttemptRow>(
    em,
    `SELECT a.id, a.delivery_id, d.event_id, d.event_type, a.attempt, a.status_code, a.duration_ms, a.error, a.next_attempt_at,
            d.status AS delivery_status, a.created
       FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
      WHERE d.webhook_id = $1
      ORDER BY a.id DESC
      OFFSET $2 LIMIT $3`,
    [webhookId, offset, limit],
  );
}
