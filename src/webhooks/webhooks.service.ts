import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { Caller } from '../auth/caller';
import { conflict, ErrorDetail, invalid, invalidField, notFound } from '../common/errors';
import { Page } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/config';
import { inTransaction } from '../database/transaction';
import { checkDestination } from './destination-policy';
import { checkEvents } from './events';
import { WebhookEntity } from './webhook.entities';
import { AttemptRow, DeliveryRow } from './webhook.presenter';
import {
  attemptsOfWebhook,
  batchOwnedBy,
  failPendingDeliveriesOf,
  insertBatchCompletedDeliveries,
  insertDeliveryCopy,
  insertEventDeliveries,
  insertProgressDeliveries,
  insertWebhooks,
  lastDeliveryOf,
  makeDeliveryDueNow,
  markWebhookDeleted,
  setWebhookEvents,
  webhookOwnedBy,
  WebhookRow,
} from './webhooks.repository';

export const MAX_SECRET_LENGTH = 1024;

/**
 * Webhooks of batches: validation and storage (also used by the batches module inside its own
 * transactions), the outbox (enqueueBatchCompleted), and the owner-facing API.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ------------------------------------------------------------------ API for the batches module

  /**
   * Checks each `{destination, secret}`: destination an http(s) URL whose host (after DNS
   * resolution) is not loopback/private/link-local unless WEBHOOK_ALLOW_PRIVATE; secret a
   * non-empty string of at most 1024 characters. One 422 listing every problem, with fields like
   * `${fieldPrefix}[0].destination`. No database access.
   */
  async validateDestinations(specs: Array<{ destination: unknown; secret: unknown; events?: unknown }>, fieldPrefix: string): Promise<void> {
    if (!Array.isArray(specs)) throw invalidField(fieldPrefix, 'must be an array');
    const perSpec = await Promise.all(specs.map((spec, i) => this.problems(spec, `${fieldPrefix}[${i}].`)));
    const details = perSpec.flat();
    if (details.length) throw invalid(`${details[0].field} ${details[0].message}`, details);
  }

  /** Stores the (already validated) webhooks of a batch in the caller's transaction, in order. */
  async createForBatch(em: EntityManager, batchId: string, specs: Array<{ destination: string; secret: string; events?: unknown }>): Promise<WebhookEntity[]> {
    if (specs.length === 0) return [];
    // validated before (validateDestinations): events is absent (the default) or a list of known names
    const rows = await insertWebhooks(
      em,
      batchId,
      specs.map((s) => ({ destination: s.destination, secret: s.secret, eventsJson: JSON.stringify(checkEvents(s.events, 'events', []) ?? []) })),
    );
    return rows.map((r) => toEntity(em, r)).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** The live (not deleted) webhooks of a batch, oldest first. No secrets. */
  listForBatch(batchId: string, em?: EntityManager): Promise<WebhookEntity[]> {
    return (em ?? this.db.manager).find(WebhookEntity, { where: { batchId, deletedAt: IsNull() }, order: { id: 'ASC' } });
  }

  /**
   * The outbox write: one pending delivery per live webhook of the batch that lists batch.completed, each with a fresh
   * event id, due now. Call it inside the transaction that completes the batch: the trigger on
   * webhook_deliveries queues each delivery's job in that transaction, and the queue's NOTIFY
   * wakes the senders when it commits (and nothing happens if it rolls back).
   */
  async enqueueBatchCompleted(em: EntityManager, batchId: string, payload: string): Promise<void> {
    await insertBatchCompletedDeliveries(em, batchId, payload);
  }

  /**
   * The outbox of the events other than batch.completed (API.md §13.4), in the caller's
   * transaction: one delivery per live webhook of the batch per event it lists (`events`: type and
   * exact body). batch.progress is sent at most once a minute per webhook: the webhooks whose
   * last one is older claim the next (progress_sent_at) and `progress()` renders its body, only
   * then. The queue's trigger on webhook_deliveries schedules each send in this transaction.
   */
  async enqueueEvents(em: EntityManager, batchId: string, events: Array<{ type: string; payload: string }>, progress: () => Promise<string>): Promise<number> {
    const row = await insertEventDeliveries(em, batchId, events);
    let queued = row.queued;
    if (row.progress_ids.length) {
      await insertProgressDeliveries(em, row.progress_ids, await progress());
      queued += row.progress_ids.length;
    }
    return queued;
  }

  // ------------------------------------------------------------------ the owner-facing API

  async create(caller: Caller, batchId: string, spec: { destination: unknown; secret: unknown; events?: unknown }): Promise<WebhookEntity> {
    await this.ownedBatch(caller, batchId, this.db.manager);
    const details = await this.problems(spec, '');
    if (details.length) throw invalid(`${details[0].field} ${details[0].message}`, details);
    return inTransaction(this.db, async (em) => {
      // Locking the batch orders this insert against the transaction that completes the batch:
      // either the webhook exists when the completion event is queued, or we see `completed` here.
      const batch = await this.ownedBatch(caller, batchId, em, true);
      if (batch.status === 'completed' || batch.status === 'canceled') {
        throw conflict(`Batch ${batchId} is ${batch.status}: a webhook added now would never be called`);
      }
      const [w] = await this.createForBatch(em, batchId, [spec as { destination: string; secret: string; events?: unknown }]);
      return w;
    });
  }

  async list(caller: Caller, batchId: string, page: Page): Promise<WebhookEntity[]> {
    await this.ownedBatch(caller, batchId, this.db.manager);
    return this.db.manager.find(WebhookEntity, {
      where: { batchId, deletedAt: IsNull() },
      order: { id: 'DESC' },
      skip: page.offset,
      take: page.limit + 1,
    });
  }

  async get(caller: Caller, webhookId: string): Promise<WebhookEntity> {
    return this.ownedWebhook(caller, webhookId, this.db.manager);
  }

  /** PATCH /api/webhooks/:id: replaces its event types (API.md §13.4). */
  async update(caller: Caller, webhookId: string, body: { events?: unknown }): Promise<WebhookEntity> {
    await this.ownedWebhook(caller, webhookId, this.db.manager);
    if (body.events === undefined) throw invalidField('events', 'is required');
    const details: ErrorDetail[] = [];
    const events = checkEvents(body.events, 'events', details);
    if (!events) throw invalid(`${details[0].field} ${details[0].message}`, details);
    return inTransaction(this.db, async (em) => {
      await this.ownedWebhook(caller, webhookId, em, true);
      await setWebhookEvents(em, webhookId, events);
      return this.ownedWebhook(caller, webhookId, em);
    });
  }

  /** Soft delete; deliveries still pending for it are given up (status `failed`). */
  async remove(caller: Caller, webhookId: string): Promise<WebhookEntity> {
    return inTransaction(this.db, async (em) => {
      const w = await this.ownedWebhook(caller, webhookId, em, true);
      await markWebhookDeleted(em, webhookId);
      await failPendingDeliveriesOf(em, webhookId);
      return w;
    });
  }

  /** Every attempt of every delivery of the webhook, newest first. */
  async attempts(caller: Caller, webhookId: string, page: Page): Promise<AttemptRow[]> {
    await this.ownedWebhook(caller, webhookId, this.db.manager);
    return attemptsOfWebhook(this.db.manager, webhookId, page.offset, page.limit + 1);
  }

  /**
   * Queues a fresh attempt of the webhook's last event (same event id, same body). Idempotent:
   * when the last delivery is still pending, no second one is queued — it is only made due now
   * (unless an attempt is in flight). 409 when the webhook has no event yet.
   */
  async redeliver(caller: Caller, webhookId: string): Promise<{ delivery: DeliveryRow; queued: boolean }> {
    return inTransaction(this.db, async (em) => {
      await this.ownedWebhook(caller, webhookId, em, true); // the row lock serialises concurrent redelivers
      const last = await lastDeliveryOf(em, webhookId);
      if (!last) throw conflict(`Webhook ${webhookId} has no event yet: it is sent when its batch completes`);
      let delivery: DeliveryRow;
      let queued = false;
      if (last.status === 'pending') {
        if (last.locked) return { delivery: stripLocked(last), queued: false };
        delivery = await makeDeliveryDueNow(em, last.id);
      } else {
        delivery = await insertDeliveryCopy(em, last.id);
        queued = true;
      }
      return { delivery, queued }; // the trigger on webhook_deliveries (re)queued its job
    });
  }

  // ------------------------------------------------------------------ helpers

  private async problems(spec: unknown, prefix: string): Promise<ErrorDetail[]> {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      return [{ field: prefix.replace(/\.$/, '') || 'webhook', message: 'must be an object with destination and secret' }];
    }
    const { destination, secret, events } = spec as { destination?: unknown; secret?: unknown; events?: unknown };
    const out: ErrorDetail[] = [];
    const destinationProblem = await checkDestination(destination, this.config.webhookAllowPrivate);
    if (destinationProblem) out.push({ field: `${prefix}destination`, message: destinationProblem });
    if (typeof secret !== 'string' || secret.length === 0) out.push({ field: `${prefix}secret`, message: 'is required' });
    else if (secret.length > MAX_SECRET_LENGTH) out.push({ field: `${prefix}secret`, message: `is too long (maximum is ${MAX_SECRET_LENGTH} characters)` });
    checkEvents(events, `${prefix}events`, out);
    return out;
  }

  private async ownedBatch(caller: Caller, batchId: string, em: EntityManager, lock = false): Promise<{ id: string; status: string }> {
    const batch = await batchOwnedBy(em, batchId, caller.userId, lock);
    if (!batch) throw notFound('Batch', batchId);
    return batch;
  }

  private async ownedWebhook(caller: Caller, webhookId: string, em: EntityManager, lock = false): Promise<WebhookEntity> {
    const row = await webhookOwnedBy(em, webhookId, caller.userId, lock);
    if (!row) throw notFound('Webhook', webhookId);
    return toEntity(em, row);
  }
}

function toEntity(em: EntityManager, r: WebhookRow): WebhookEntity {
  return em.create(WebhookEntity, {
    id: String(r.id),
    batchId: String(r.batch_id),
    destination: r.destination,
    events: r.events,
    created: r.created,
    updated: r.updated,
    deletedAt: null,
  });
}

function stripLocked(row: DeliveryRow & { locked?: boolean }): DeliveryRow {
  const { locked: _locked, ...rest } = row;
  return rest;
}
