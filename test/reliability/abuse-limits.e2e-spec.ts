// Promise: abuse is bounded — over-limit bodies, uploads, forms and batches are 413s in the error shape, the rate limit is a 429 with Retry-After whichever way the key is sent (and for anonymous callers), and slow bodies do not block other clients.
import * as net from 'node:net';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, createGuild, createTask, subscribe } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';

function expectError(res: { status: number; body: Record<string, unknown> }, status: number, type: string): void {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.objectContaining({ error: expect.any(String), type, status }) });
}

describe('abuse: size limits', () => {
  let s: TestServer;
  let owner: TestUser;
  let worker: TestUser;
  let guildId: string;
  let batchId: string;
  let taskId: string;

  beforeAll(async () => {
    s = await startTestServer({ maxBatchData: 50, uploadLimitBytes: 32 * 1024, jsonBodyLimitBytes: 256 * 1024, rateLimitPerMinute: 1_000_000 });
    owner = await registerUser(s.http);
    worker = await registerUser(s.http);
    const g = await createGuild(s.http, owner);
    guildId = g.id;
    taskId = (await createTask(s.http, owner, guildId, { name: 't', minimum_amount_cents: 1, lease_seconds: 3600 })).id;
    expect((await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' })).status).toBe(201);
    await addMember(s.http, owner, guildId, worker);
    await subscribe(s.http, worker, taskId);
    const b = await s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ q: 1 }] } });
    batchId = b.body.id;
  });
  afterAll(() => s.close());

  const counts = async () =>
    (
      await s.sql<{ d: number; b: number; f: number }>(
        `SELECT (SELECT count(*)::int FROM data) d, (SELECT count(*)::int FROM batches) b, (SELECT count(*)::int FROM files) f`,
      )
    )[0];

  it('a batch over MAX_BATCH_DATA is a 413, in both body forms, and stores nothing', async () => {
    const before = await counts();
    const data = Array.from({ length: 51 }, (_x, i) => ({ q: i }));
    expectError(await s.http.post(`/api/guilds/${guildId}/batches`).set('Authorization', owner.auth).send({ batch: { data } }), 413, 'PayloadTooLarge');
    const rails = data.map((d) => ({ parameters_attributes: [{ key: 'q', value: String(d.q) }] }));
    expectError(
      await s.http
        .post(`/api/guild/${guildId}/batch`)
        .set('Authorization', owner.auth)
        .send({ batch: { data_attributes: rails } }),
      413,
      'PayloadTooLarge',
    );
    expectError(await s.http.post(`/api/batches/${batchId}/data`).set('Authorization', owner.auth).send({ data }), 413, 'PayloadTooLarge');
    expect(await counts()).toEqual(before);
    // at the limit it works
    expect(
      (
        await s.http
          .post(`/api/guilds/${guildId}/batches`)
          .set('Authorization', owner.auth)
          .send({ batch: { data: data.slice(0, 50) } })
      ).status,
    ).toBe(201);
  });

  it('an upload over the limit is a 413 and stores nothing', async () => {
    const before = await counts();
    const res = await s.http
      .post(`/api/batches/${batchId}/files`)
      .set('Authorization', owner.auth)
      .attach('file', Buffer.alloc(32 * 1024 + 1, 1), 'big.bin');
    expectError(res, 413, 'PayloadTooLarge');
    expect(await counts()).toEqual(before);
    expect(
      (
        await s.http
          .post(`/api/batches/${batchId}/files`)
          .set('Authorization', owner.auth)
          .attach('file', Buffer.alloc(32 * 1024, 1), 'ok.bin')
      ).status,
    ).toBe(201);
  });

  /** a live claim of the worker on a paid datum: the submits below aim at a real assignment */
  async function liveAssignment(): Promise<string> {
    const b = await s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ q: 1 }] } });
    expect((await s.http.post(`/api/batches/${b.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const claim = await s.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', worker.auth);
    expect(claim.status).toBe(201);
    return claim.body.id;
  }
  async function expectStillClaimed(assignmentId: string): Promise<void> {
    const a = await s.http.get(`/api/assignments/${assignmentId}`).set('Authorization', worker.auth);
    expect(a.status).toBe(200);
    expect(a.body.status).toBe('claimed');
  }

  it('JSON and form bodies over the limit are 413s; a form with too many fields is refused too', async () => {
    const big = 'x'.repeat(300 * 1024);
    expectError(await s.http.post('/api/guilds').set('Authorization', owner.auth).send({ name: big, description: '' }), 413, 'PayloadTooLarge');
    const id = await liveAssignment();
    expectError(
      await s.http.post(`/api/assignments/${id}/submit`).set('Authorization', worker.auth).type('form').send(`answer=${big}`),
      413,
      'PayloadTooLarge',
    );
    const many = Array.from({ length: 1500 }, (_x, i) => `f${i}=1`).join('&');
    const res = await s.http.post(`/api/assignments/${id}/submit`).set('Authorization', worker.auth).type('form').send(many);
    expect([400, 413]).toContain(res.status);
    expect(res.body).toEqual(expect.objectContaining({ status: res.status, type: expect.any(String), error: expect.any(String) }));
    await expectStillClaimed(id);
  });

  it('a multipart form with a huge text field or a file on the worker submit is refused, never a 500', async () => {
    const id = await liveAssignment();
    const big = 'y'.repeat(2 * 1024 * 1024);
    const r1 = await s.http.post(`/api/assignments/${id}/submit`).set('Authorization', worker.auth).field('answer', big);
    expect(r1.status).toBeGreaterThanOrEqual(400);
    expect(r1.status).toBeLessThan(500);
    const r2 = await s.http
      .post(`/api/assignments/${id}/submit`)
      .set('Authorization', worker.auth)
      .field('answer', 'a')
      .attach('file', Buffer.alloc(10), 'x.bin');
    expect(r2.status).toBeGreaterThanOrEqual(400);
    expect(r2.status).toBeLessThan(500);
    await expectStillClaimed(id);
    // the same submit, small and without a file, is accepted: the refusals were about size and the file
    expect((await s.http.post(`/api/assignments/${id}/submit`).set('Authorization', worker.auth).field('answer', 'a')).status).toBe(200);
  });

  it('slow request bodies (headers sent, body trickling) do not block other clients', async () => {
    const { port } = new URL(s.url);
    const sockets = await Promise.all(
      Array.from(
        { length: 30 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const sock = net.connect(Number(port), '127.0.0.1', () => {
              sock.write(
                `POST /api/guilds HTTP/1.1\r\nHost: x\r\nAuthorization: ${owner.auth}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"`,
              );
              resolve(sock);
            });
            sock.on('error', () => undefined);
          }),
      ),
    );
    const open = new Set(sockets);
    for (const sock of sockets) sock.on('close', () => open.delete(sock));
    const drip = setInterval(() => sockets.forEach((sock) => sock.write('a')), 100);
    try {
      // No time bound (a loaded CI box is slow): the others are answered while every slow body is
      // still open and unfinished — a server that waited for them would never answer (they never end).
      const answers = await Promise.all(Array.from({ length: 20 }, () => s.http.get('/api/me').set('Authorization', owner.auth)));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
      expect(open.size).toBe(30);
    } finally {
      clearInterval(drip);
      sockets.forEach((sock) => sock.destroy());
    }
  });
});

describe('abuse: rate limit', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ rateLimitPerMinute: 5 });
  });
  afterAll(() => s.close());

  it('counts a key once whichever Authorization form carries it: 429 with Retry-After in the error shape', async () => {
    const u = await registerUser(s.http); // anonymous request 1 of this address
    const forms = [
      `Bearer ${u.key}`,
      `Basic ${Buffer.from(`${u.key}:`).toString('base64')}`,
      `Basic ${Buffer.from(u.key).toString('base64')}`,
      `Basic ${Buffer.from(`${u.key}:whatever`).toString('base64')}`,
      `Bearer ${u.key}`,
    ];
    for (const f of forms) expect((await s.http.get('/api/me').set('Authorization', f)).status).toBe(200);
    const res = await s.http.get('/api/me').set('Authorization', `Basic ${Buffer.from(`${u.key}:`).toString('base64')}`);
    expectError(res, 429, 'TooManyRequests');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // another key is counted on its own
    const other = await registerUser(s.http);
    expect((await s.http.get('/api/me').set('Authorization', other.auth)).status).toBe(200);
  });

  it('limits anonymous callers (e.g. registration floods) per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push(
        (await s.http.post('/api/register').send({ email: `flood${i}@example.com`, password: 'long enough pw', password_confirmation: 'long enough pw' }))
          .status,
      );
    expect(statuses).toContain(429);
    const res = await s.http
      .post('/api/register')
      .send({ email: 'flood-last@example.com', password: 'long enough pw', password_confirmation: 'long enough pw' });
    expectError(res, 429, 'TooManyRequests');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // and a wrong key does not buy a fresh allowance per guess
    const guesses: number[] = [];
    for (let i = 0; i < 8; i++) guesses.push((await s.http.get('/api/me').set('Authorization', `Bearer og_guess${i}`)).status);
    expect(guesses).toContain(429);
  });
});
