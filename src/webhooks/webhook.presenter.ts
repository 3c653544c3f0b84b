import { wireId, wireTime } from '../common/wire';
import { DeliveryStatus, WebhookEntity } from './webhook.entities';

/** The Webhook wire object (API.md §5.1). The secret is never part of it. */
export function presentWebhook(w: Pick<WebhookEntity, 'id' | 'destination' | 'events' | 'created' | 'updated'>) {
  return {
    object: 'Webhook' as const,
    id: wireId(w.id),
    destination: w.destination,
    events: w.events,
    created: wireTime(w.created),
    updated: wireTime(w.updated),
  };
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  created: Date;
  updated: Date;
}

/** One event queued for one webhook, with every attempt of it sharing `event_id` (the webhook-id header). */
export function presentDelivery(d: DeliveryRow) {
  return {
    object: 'WebhookDelivery' as const,
    id: wireId(d.id),
    webhook_id: wireId(d.webhook_id),
    event_id: d.event_id,
    status: d.status,
    attempt_count: d.attempt_count,
    next_attempt: d.next_attempt_at ? wireTime(d.next_attempt_at) : null,
    created: wireTime(d.created),
    updated: wireTime(d.updated),
  };
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  next_attempt_at: Date | null;
  delivery_status: DeliveryStatus;
  created: Date;
}

/** One HTTP attempt (GET /api/webhooks/:id/deliveries lists these, newest first). */
export function presentAttempt(a: AttemptRow) {
  return {
    object: 'WebhookAttempt' as const,
    id: wireId(a.id),
    delivery_id: wireId(a.delivery_id),
    event_id: a.event_id,
    event_type: a.event_type,
    attempt: a.attempt,
    succeeded: a.error === null,
    status_code: a.status_code,
    duration_ms: a.duration_ms,
    error: a.error,
    next_attempt: a.next_attempt_at ? wireTime(a.next_attempt_at) : null,
    delivery_status: a.delivery_status,
    created: wireTime(a.created),
  };
}
