import * as net from 'node:net';
import { apiKeyFromAuthorization, normalizeBasicAuthorization, sha256 } from '../../src/auth/credentials';
import { registerUser, TestUser } from '../support/fixtures';
import { startTestServer, TestServer } from '../support/server';
import { executeRequest, rubyAuthorization, rubyEncode64 } from './ruby-client';

/**
 * What the Ruby client sends to authenticate (`"Basic " + Base64.encode64(key)`: no colon, line
 * breaks every 60 characters, a trailing newline) and the JSON bodies it puts on GET and DELETE.
 */
describe('compat: the Ruby client authenticates and sends JSON bodies on every method', () => {
  let s: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    s = await startTestServer();
    user = await registerUser(s.http);
  });
  afterAll(() => s.close());

  /** A key of our own choosing, stored as the server stores keys (hash + hint). */
  async function storeKey(userId: string, key: string): Promise<void> {
    await s.sql(`INSERT INTO api_keys (user_id, name, key_hash, key_hint) VALUES ($1, 'compat', $2, $3)`, [userId, sha256(key), key.slice(-4)]);
  }

  it('encode64 of a key this server issues has only the trailing newline, which Net::HTTP strips', () => {
    const encoded = rubyEncode64(user.key);
    expect(encoded.endsWith('\n')).toBe(true);
    expect(encoded.slice(0, -1)).not.toContain('\n');
    expect(rubyAuthorization(user.key)).toBe(`Basic ${Buffer.from(user.key).toString('base64')}`);
  });

  it('accepts the header the client puts on the wire (base64 of the key alone, no colon)', async () => {
    const res = await executeRequest({ baseUrl: s.url, apiKey: user.key }, 'get', '/wallets');
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('List');
  });

  it('reads every encode64 form as the key: trailing newline, inner line breaks of a long key', () => {
    const long = `og_${'k'.repeat(70)}`; // 73 bytes: encode64 breaks the line after 60 characters
    const encoded = rubyEncode64(long);
    expect(encoded.split('\n').length).toBe(3); // two lines and the final newline
    expect(() => rubyAuthorization(long)).toThrow(/CR\/LF/); // what Net::HTTP does with it
    for (const header of [`Basic ${encoded}`, `Basic ${encoded}`.trim(), `Basic ${encoded.replace(/\n/g, '\r\n')}`]) {
      expect(apiKeyFromAuthorization(header)).toBe(long);
      expect(normalizeBasicAuthorization(header)).toBe(`Basic ${Buffer.from(`${long}:x`).toString('base64')}`);
    }
    expect(apiKeyFromAuthorization(`Basic ${rubyEncode64(user.key)}`)).toBe(user.key);
  });

  it('authenticates a long key whose encode64 line break arrives unfolded (as a space) over HTTP', async () => {
    const long = `og_${'L'.repeat(40)}${Date.now()}`;
    await storeKey(user.id, long);
    const [first, second] = rubyEncode64(long).split('\n');
    expect(second.length).toBeGreaterThan(0);
    const res = await executeRequest({ baseUrl: s.url, apiKey: long, authorization: `Basic ${first} ${second}` }, 'get', '/wallets');
    expect(res.status).toBe(200);
  });

  it('authenticates every other Basic form and Bearer with the same key', async () => {
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    for (const authorization of [`Basic ${b64(`${user.key}:`)}`, `Basic ${b64(`${user.key}:ignored`)}`, `Bearer ${user.key}`, `basic ${b64(user.key)}`]) {
      const res = await executeRequest({ baseUrl: s.url, apiKey: user.key, authorization }, 'get', '/wallets');
      expect({ authorization, status: res.status }).toEqual({ authorization, status: 200 });
    }
  });

  it('answers a bad key with 401 (the client raises AuthorizationError on the status alone)', async () => {
    for (const apiKey of ['og_not-a-key', 'a'.repeat(45), '']) {
      const res = await executeRequest({ baseUrl: s.url, apiKey }, 'get', '/wallets');
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ type: 'Unauthorized', status: 401, error: expect.any(String) });
      expect(res.headers['www-authenticate']).toBe('Basic realm="OpenGuilds"');
    }
  });

  it('accepts "{}" with Content-Type application/json on GET and DELETE', async () => {
    const other = await registerUser(s.http);
    const created = await s.http.post('/api/api_keys').set('Authorization', other.auth).send({ name: 'to delete' });
    expect(created.status).toBe(201);
    const get = await executeRequest({ baseUrl: s.url, apiKey: other.key }, 'get', '/api_keys');
    expect(get.status).toBe(200);
    const me = await executeRequest({ baseUrl: s.url, apiKey: other.key }, 'get', '/me');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(other.email);
    const del = await executeRequest({ baseUrl: s.url, apiKey: other.key, retries: true }, 'delete', `/api_keys/${created.body.id}`);
    expect(del.status).toBe(200);
  });

  it('accepts a GET with any JSON object body, and with the body and no Content-Length (chunked)', async () => {
    const res = await executeRequest({ baseUrl: s.url, apiKey: user.key }, 'get', '/wallets', { anything: [1, 2] });
    expect(res.status).toBe(200);
    const raw = await rawRequest(
      s.url,
      `GET /api/wallets HTTP/1.1\r\nHost: x\r\nAuthorization: ${rubyAuthorization(user.key)}\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
    );
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });

  it('still refuses a GET body that is not JSON at all (400), in the error shape', async () => {
    const res = await s.http.get('/api/wallets').set('Authorization', user.auth).set('Content-Type', 'application/json').send('{nope');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'BadRequest', status: 400 });
  });
});

function rawRequest(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname, () => sock.write(bytes));
    let buf = '';
    sock.on('data', (d) => (buf += d.toString('utf8')));
    sock.on('end', () => resolve(buf));
    sock.on('error', reject);
  });
}
