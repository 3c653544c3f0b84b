import { Webhook } from 'standardwebhooks';
import { signWebhook } from './signature';

describe('webhook signature', () => {
  it('verifies with standardwebhooks in raw-secret mode', () => {
    const ts = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ object: 'Batch', id: '1', note: 'ünïcødé' });
    const headers = { 'webhook-id': 'msg_abc', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook('secret123', 'msg_abc', ts, body) };
    expect(new Webhook('secret123', { format: 'raw' }).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook('wrong', { format: 'raw' }).verify(body, headers)).toThrow();
    expect(() => new Webhook('secret123', { format: 'raw' }).verify(body + ' ', headers)).toThrow();
  });

  it('keys with the UTF-8 bytes of a non-ASCII secret', () => {
    // standardwebhooks' raw mode maps a *string* secret with charCodeAt (Latin-1), so for non-ASCII
    // secrets a receiver passes the UTF-8 bytes as a Uint8Array, which is what we sign with.
    const ts = Math.floor(Date.now() / 1000);
    const secret = 'sécrét-🔑';
    const headers = { 'webhook-id': 'msg_x', 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(secret, 'msg_x', ts, '{}') };
    expect(new Webhook(new TextEncoder().encode(secret), { format: 'raw' }).verify('{}', headers)).toEqual({});
  });
});
