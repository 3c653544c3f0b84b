import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks signature: `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)),
 * keyed with the UTF-8 bytes of the secret the requester chose (raw-secret mode).
 */
export function signWebhook(secret: string, eventId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${eventId}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}
