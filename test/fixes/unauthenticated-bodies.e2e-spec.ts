import * as http from 'node:http';
import { registerUser } from '../support/fixtures';
import { startTestServer, TestServer } from '../support/server';

/**
 * Issue 13: anonymous 20 MB bodies to a batch route were read and parsed before their 401.
 * The client here announces 20 MB but sends only the first 64 KB and then waits: the 401 can only
 * arrive if the server answered without reading the rest (a server that buffers the body would
 * wait for bytes that never come, and the test would time out).
 */
describe('bodies of unauthenticated requests are not read past what is needed to refuse them', () => {
  let s: TestServer;
  beforeAll(async () => (s = await startTestServer()));
  afterAll(() => s.close());

  function partialPost(path: string, headers: Record<string, string>): Promise<{ status: number; body: string; sentBytes: number; announced: number }> {
    const announced = 20 * 1024 * 1024;
    const u = new URL(s.url);
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: u.hostname,
        port: u.port,
        path,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(announced), ...headers },
      });
      let sent = 0;
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body, sentBytes: sent, announced });
          req.destroy();
        });
      });
      // the server closes the connection after answering: writes after that may fail, which is fine
      req.on('error', (err) => (sent < announced ? undefined : reject(err)));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      chunk[0] = 0x7b; // '{'
      req.write(chunk, () => (sent += chunk.length));
    });
  }

  it('a large anonymous body to a batch route: 401 before the body is sent, connection closed', async () => {
    const r = await partialPost('/api/guilds/1/batches', {});
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual(expect.objectContaining({ type: 'Unauthorized', status: 401 }));
    expect(r.sentBytes).toBeLessThan(r.announced);
  });

  it('the same with a wrong key', async () => {
    const r = await partialPost('/api/guilds/1/batches', { Authorization: 'Bearer og_not_a_real_key_0000000000000000' });
    expect(r.status).toBe(401);
  });

  it('with a valid key the body is read as before (the server waits for it, then answers)', async () => {
    const owner = await registerUser(s.http);
    const res = await s.http
      .post('/api/guilds/999999/batches')
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ a: 'x'.repeat(100_000) }] } });
    expect(res.status).toBe(404);
    // /health stays fast to answer whatever the anonymous traffic (no wall clock: it simply answers)
    expect((await s.http.get('/health')).status).toBe(200);
  });
});
