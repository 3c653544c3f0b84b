import { ErrorDetail } from '../common/errors';

/** The event types a webhook may list (API.md §13.4); `batch.completed` is the default and keeps the body of §9. */
export const WEBHOOK_EVENTS = ['batch.completed', 'datum.completed', 'submission.created', 'submission.rejected', 'batch.progress'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const DEFAULT_EVENTS: WebhookEvent[] = ['batch.completed'];

/**
 * Checks an `events` value; problems are reported at `${field}[j]` (unknown, empty or duplicate
 * names) or at `${field}` (not an array, or an empty one). Returns the list to store.
 */
export function checkEvents(raw: unknown, field: string, out: ErrorDetail[]): WebhookEvent[] | undefined {
  if (raw === undefined) return [...DEFAULT_EVENTS];
  if (!Array.isArray(raw)) {
    out.push({ field, message: `must be an array of event names (${WEBHOOK_EVENTS.join(', ')})` });
    return undefined;
  }
  if (raw.length === 0) {
    out.push({ field, message: 'must list at least one event' });
    return undefined;
  }
  const seen = new Set<string>();
  const before = out.length;
  raw.forEach((name, j) => {
    const at = `${field}[${j}]`;
    if (typeof name !== 'string' || name === '') out.push({ field: at, message: 'is empty' });
    else if (!(WEBHOOK_EVENTS as readonly string[]).includes(name))
      out.push({ field: at, message: `is not an event type (one of ${WEBHOOK_EVENTS.join(', ')})` });
    else if (seen.has(name)) out.push({ field: at, message: 'is listed twice' });
    else seen.add(name);
  });
  return out.length === before ? (raw as WebhookEvent[]) : undefined;
}

/** The body of every event but batch.completed: the Standard Webhooks payload form. */
export function eventBody(type: WebhookEvent, data: unknown, at: Date = new Date()): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}
