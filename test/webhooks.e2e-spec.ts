import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { startServer } from '../src/bootstrap';
import { inTransaction } from '../src/database/transaction';
import { WebhooksService } from '../src/webhooks/webhooks.service';
import { registerUser, TestUser } from './support/fixtures';
import { CapturedLogs, startTestServer, TestServer } from './support/server';
import { eventually, startReceiver, WebhookReceiver } from './support/webhook-receiver';

/** Every secret used in this file: none may appear in a response body or a log line. */
const SECRETS: string[] = [];
function secret(name: string): string {
  const s = `whsec-${name}-${Math.random().toString(36).slice(2)}`;
  SECRETS.push(s);
  return s;
}
const bodies: string[] = [];

async function makeBatch(s: TestServer, owner: TestUser): Promise<string> {
  const [g] = await s.sql<{ id: string }>(`INSERT INTO guilds (owner_id, name) VALUES ($1, 'g') RETURNING id`, [owner.id]);
  const [b] = await s.sql<{ id: string }>(`INSERT INTO batches (guild_id, owner_id, status) VALUES ($1, $2, 'processing') RETURNING id`, [g.id, owner.id]);
  return String(b.id);
}

/**
 * A STAND-IN for the batch's completion (status + the app's own WebhooksService outbox call, one
 * transaction), so the delivery tests of this file (signing, retries, timeouts, redelivery, two
 * senders) can make many events cheaply. They prove the outbox → delivery path only. That a real
 * completion (the last submit) writes the outbox row in its transaction, and survives a SIGKILL,
 * is proven through real submits in test/webhooks-crash.e2e-spec.ts and the multi-process load.
 */
async function completeBatch(
  s: TestServer,
  batchId: string,
  payload = JSON.stringify({ object: 'Batch', id: batchId, status: 'completed', data: [{ k: 'ü' }] }),
): Promise<string> {
  await inTransaction(s.app.get(DataSource), async (em) => {
    await em.query(`UPDATE batches SET status = 'completed', completed_at = now() WHERE id = $1`, [batchId]);
    await s.app.get(WebhooksService).enqueueBatchCompleted(em, batchId, payload);
  });
  return payload;
}

async function addWebhook(s: TestServer, user: TestUser, batchId: string, destination: string, sec = secret('w')) {
  const res = await s.http.post(`/api/batches/${batchId}/webhooks`).set('Authorization', user.auth).send({ destination, secret: sec });
  bodies.push(res.text);
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: sec };
}

async function attempts(s: TestServer, user: TestUser, webhookId: string) {
  const res = await s.http.get(`/api/webhooks/${webhookId}/deliveries`).set('Authorization', user.auth);
  bodies.push(res.text);
  expect(res.status).toBe(200);
  return res.body.data as Array<Record<string, unknown>>;
}

describe('webhooks', () => {
  let s: TestServer;
  let owner: TestUser;
  let other: TestUser;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (reply?: WebhookReceiver['reply']) => {
    const r = await startReceiver(reply);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    s = await startTestServer({ webhookRetryScheduleSeconds: [1, 1, 1], webhookTimeoutMs: 500, webhookAllowPrivate: true });
    owner = await registerUser(s.http);
    other = await registerUser(s.http);
  });
  afterAll(async () => {
    if (process.env.WH_DEBUG) console.log(s.logs.lines.filter((l) => /webhook|"level":(40|50)/i.test(l)).join('\n'));
    for (const r of receivers) await r.close();
    await s?.close();
  });

  describe('the owner API', () => {
    it('creates, lists, reads and soft-deletes webhooks; never returns the secret', async () => {
      const batchId = await makeBatch(s, owner);
      const sec = secret('crud');
      const res = await s.http
        .post(`/api/batches/${batchId}/webhooks`)
        .set('Authorization', owner.auth)
        .send({ destination: 'https://hooks.example.com/a', secret: sec });
      bodies.push(res.text);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        object: 'Webhook',
        id: expect.stringMatching(/^\d+$/),
        destination: 'https://hooks.example.com/a',
        events: ['batch.completed'],
        created: expect.any(String),
        updated: expect.any(String),
      });
      const second = await addWebhook(s, owner, batchId, 'http://hooks.example.com/b');

      const list = await s.http.get(`/api/batches/${batchId}/webhooks`).set('Authorization', owner.auth);
      bodies.push(list.text);
      expect(list.body).toEqual({
        object: 'List',
        url: `/api/batches/${batchId}/webhooks`,
        has_more: false,
        page: 1,
        data: [expect.objectContaining({ id: second.id }), expect.objectContaining({ id: res.body.id })],
      });
      const page = await s.http.get(`/api/batches/${batchId}/webhooks?limit=1`).set('Authorization', owner.auth);
      expect(page.body.has_more).toBe(true);
      expect(page.body.data).toHaveLength(1);

      const one = await s.http.get(`/api/webhooks/${res.body.id}`).set('Authorization', owner.auth);
      expect(one.body).toEqual(res.body);

      const del = await s.http.delete(`/api/webhooks/${res.body.id}`).set('Authorization', owner.auth);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ object: 'Webhook', id: res.body.id, deleted: true });
      expect((await s.http.delete(`/api/webhooks/${res.body.id}`).set('Authorization', owner.auth)).status).toBe(404);
      expect((await s.http.get(`/api/webhooks/${res.body.id}/deliveries`).set('Authorization', owner.auth)).status).toBe(404);
      const after = await s.http.get(`/api/batches/${batchId}/webhooks`).set('Authorization', owner.auth);
      expect(after.body.data.map((w: { id: string }) => w.id)).toEqual([second.id]);
      const [row] = await s.sql<{ deleted_at: Date | null }>('SELECT deleted_at FROM webhooks WHERE id = $1', [res.body.id]);
      expect(row.deleted_at).not.toBeNull();
    });

    it('is invisible to anyone but the batch owner (404)', async () => {
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, 'https://hooks.example.com/x');
      const as = (req: ReturnType<TestServer['http']['get']>) => req.set('Authorization', other.auth);
      for (const res of [
        await as(s.http.post(`/api/batches/${batchId}/webhooks`)).send({ destination: 'https://e.com', secret: 'x' }),
        await as(s.http.get(`/api/batches/${batchId}/webhooks`)),
        await as(s.http.get(`/api/webhooks/${w.id}`)),
        await as(s.http.delete(`/api/webhooks/${w.id}`)),
        await as(s.http.get(`/api/webhooks/${w.id}/deliveries`)),
        await as(s.http.post(`/api/webhooks/${w.id}/redeliver`)),
        await s.http.get('/api/webhooks/abc').set('Authorization', owner.auth),
        await s.http.get('/api/batches/999999/webhooks').set('Authorization', owner.auth),
      ]) {
        expect(res.status).toBe(404);
        expect(res.body.type).toBe('RecordNotFound');
      }
      expect((await s.http.get(`/api/webhooks/${w.id}`)).status).toBe(401);
    });

    it('validates destination and secret with 422 details', async () => {
      const batchId = await makeBatch(s, owner);
      const post = (body: object) => s.http.post(`/api/batches/${batchId}/webhooks`).set('Authorization', owner.auth).send(body);
      const bad = await post({ destination: 'ftp://example.com', secret: 'abc' });
      expect(bad.status).toBe(422);
      expect(bad.body.details).toEqual([{ field: 'destination', message: 'must be an http(s) URL' }]);
      const noSecret = await post({ destination: 'https://example.com', secret: '' });
      expect(noSecret.body.details).toEqual([{ field: 'secret', message: 'is required' }]);
      const missing = await post({ destination: 'https://example.com' });
      expect(missing.status).toBe(422);
      expect(missing.body.details).toEqual([expect.objectContaining({ field: 'secret' })]);
      const extra = await post({ destination: 'https://example.com', secret: 's', colour: 'x' });
      expect(extra.status).toBe(422);
      expect(extra.body.details).toEqual([{ field: 'colour', message: 'is not a permitted field' }]);
    });

    it('refuses a webhook on a completed batch (409)', async () => {
      const batchId = await makeBatch(s, owner);
      await completeBatch(s, batchId);
      const res = await s.http
        .post(`/api/batches/${batchId}/webhooks`)
        .set('Authorization', owner.auth)
        .send({ destination: 'https://example.com', secret: 's' });
      expect(res.status).toBe(409);
    });
  });

  describe('the service API used by the batches module', () => {
    it('validateDestinations names fields under the prefix and writes nothing', async () => {
      const svc = s.app.get(WebhooksService);
      await expect(svc.validateDestinations([{ destination: 'https://ok.example.com', secret: 's' }], 'batch.webhooks')).resolves.toBeUndefined();
      const err = await svc
        .validateDestinations(
          [
            { destination: 'https://ok.example.com', secret: 's' },
            { destination: 'gopher://x', secret: '' },
            { destination: undefined, secret: 'x' },
          ],
          'batch.webhooks',
        )
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        status: 422,
        details: [
          { field: 'batch.webhooks[1].destination', message: 'must be an http(s) URL' },
          { field: 'batch.webhooks[1].secret', message: 'is required' },
          { field: 'batch.webhooks[2].destination', message: 'is required' },
        ],
      });
    });

    it('createForBatch stores in order inside the caller transaction; listForBatch returns live ones oldest first', async () => {
      const svc = s.app.get(WebhooksService);
      const batchId = await makeBatch(s, owner);
      const created = await inTransaction(s.app.get(DataSource), (em) =>
        svc.createForBatch(em, batchId, [
          { destination: 'https://a.example.com', secret: secret('a') },
          { destination: 'https://b.example.com', secret: secret('b') },
        ]),
      );
      expect(created.map((w) => w.destination)).toEqual(['https://a.example.com', 'https://b.example.com']);
      expect(created.every((w) => w.secret === undefined && w.batchId === batchId)).toBe(true);
      await expect(
        inTransaction(s.app.get(DataSource), async (em) => {
          await svc.createForBatch(em, batchId, [{ destination: 'https://c.example.com', secret: 'c' }]);
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      const leaked = secret('fk');
      const failed = await inTransaction(s.app.get(DataSource), (em) =>
        svc.createForBatch(em, '987654321', [{ destination: 'https://a.example.com', secret: leaked }]),
      ).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(Error);
      expect(JSON.stringify(failed)).not.toContain(leaked);
      const live = await svc.listForBatch(batchId);
      expect(live.map((w) => w.id)).toEqual(created.map((w) => w.id));
      expect(live.every((w) => w.secret === undefined)).toBe(true);
    });
  });

  describe('delivery', () => {
    it('delivers a signed payload that standardwebhooks verifies, after commit, stamped with the time it was sent', async () => {
      const r = await receiver();
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, r.url);
      const notBefore = Math.floor(Date.now() / 1000);
      const payload = await completeBatch(s, batchId);
      await r.waitFor(1);
      const notAfter = Math.ceil(Date.now() / 1000);
      const req = r.requests[0];
      expect(req.method).toBe('POST');
      expect(req.body).toBe(payload);
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['user-agent']).toMatch(/^OpenGuilds-Webhooks\/\d+\.\d+\.\d+$/);
      expect(req.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      // sent between the completion and its arrival: no bound on how long that took (a loaded CI box is slow)
      expect(Number(req.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(notBefore);
      expect(Number(req.headers['webhook-timestamp'])).toBeLessThanOrEqual(notAfter);
      expect(new Webhook(w.secret, { format: 'raw' }).verify(req.body, req.headers)).toEqual(JSON.parse(payload));
      expect(() => new Webhook('not-the-secret', { format: 'raw' }).verify(req.body, req.headers)).toThrow();

      // recorded after the receiver answered: a hang guard only (60 s, a loaded box is slow)
      const list = await eventually(async () => {
        const a = await attempts(s, owner, w.id);
        return a.length === 1 && a[0].delivery_status === 'succeeded' ? a : undefined;
      }, 60_000);
      expect(list[0]).toEqual({
        object: 'WebhookAttempt',
        id: expect.any(String),
        delivery_id: expect.any(String),
        event_id: req.headers['webhook-id'],
        event_type: 'batch.completed',
        attempt: 1,
        succeeded: true,
        status_code: 200,
        duration_ms: expect.any(Number),
        error: null,
        next_attempt: null,
        delivery_status: 'succeeded',
        created: expect.any(String),
      });
    });

    it('gives each webhook of the batch its own event, and none to a deleted webhook', async () => {
      const r = await receiver();
      const batchId = await makeBatch(s, owner);
      const a = await addWebhook(s, owner, batchId, `${r.url}?a`);
      const b = await addWebhook(s, owner, batchId, `${r.url}?b`);
      const gone = await addWebhook(s, owner, batchId, `${r.url}?gone`);
      await s.http.delete(`/api/webhooks/${gone.id}`).set('Authorization', owner.auth).expect(200);
      await completeBatch(s, batchId);
      await r.waitFor(2);
      // the outbox rows are written with the completion, in its transaction: the deleted webhook got none
      expect(await s.sql('SELECT 1 FROM webhook_deliveries WHERE webhook_id = $1', [gone.id])).toHaveLength(0);
      for (const w of [a, b]) await eventually(async () => (await attempts(s, owner, w.id))[0]?.delivery_status === 'succeeded');
      expect(r.requests.map((q) => q.url).sort()).toEqual(['/hook?a', '/hook?b']);
      expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(2);
      const byUrl = Object.fromEntries(r.requests.map((q) => [q.url, q]));
      new Webhook(a.secret, { format: 'raw' }).verify(byUrl['/hook?a'].body, byUrl['/hook?a'].headers);
      new Webhook(b.secret, { format: 'raw' }).verify(byUrl['/hook?b'].body, byUrl['/hook?b'].headers);
    });

    it('retries a failing receiver with the same webhook-id: 500, 500, then 200', async () => {
      const r = await receiver((n) => (n <= 2 ? 500 : 200));
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, r.url);
      await completeBatch(s, batchId);
      await r.waitFor(3);
      const ids = r.requests.map((q) => q.headers['webhook-id']);
      expect(new Set(ids).size).toBe(1);
      for (const q of r.requests) new Webhook(w.secret, { format: 'raw' }).verify(q.body, q.headers);
      // attempt n waits schedule[n-1] = 1 s
      expect(r.requests[1].at - r.requests[0].at).toBeGreaterThanOrEqual(900);
      expect(r.requests[2].at - r.requests[1].at).toBeGreaterThanOrEqual(900);
      const list = await eventually(async () => {
        const a = await attempts(s, owner, w.id);
        return a.length === 3 && a[0].delivery_status === 'succeeded' ? a : undefined;
      });
      expect(list.map((a) => [a.attempt, a.status_code, a.error, a.succeeded])).toEqual([
        [3, 200, null, true],
        [2, 500, 'HTTP 500', false],
        [1, 500, 'HTTP 500', false],
      ]);
      expect(list[1].next_attempt).toEqual(expect.any(String));
      expect(list.every((a) => a.event_id === ids[0])).toBe(true);
    });

    it('times out a receiver that hangs and retries it', async () => {
      const r = await receiver((n) => (n === 1 ? 'hang' : 204));
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, r.url);
      await completeBatch(s, batchId);
      await r.waitFor(2);
      const list = await eventually(async () => {
        const a = await attempts(s, owner, w.id);
        return a.length === 2 && a[0].delivery_status === 'succeeded' ? a : undefined;
      });
      expect(list[1]).toMatchObject({ attempt: 1, status_code: null, error: 'timeout: no response within 500 ms', succeeded: false });
      expect(list[1].duration_ms as number).toBeGreaterThanOrEqual(450);
      expect(list[0]).toMatchObject({ attempt: 2, status_code: 204, succeeded: true });
    });

    it('does not follow redirects (a 3xx is a failed attempt)', async () => {
      const r = await receiver((n) => (n === 1 ? 302 : 200));
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, r.url);
      await completeBatch(s, batchId);
      await r.waitFor(2);
      const list = await eventually(async () => ((await attempts(s, owner, w.id)).length === 2 ? attempts(s, owner, w.id) : undefined));
      expect(list[1]).toMatchObject({ status_code: 302, error: 'HTTP 302' });
    });

    it('delivers to a receiver that was down when the batch completed, once it is back', async () => {
      const r = await receiver();
      const port = r.port;
      await r.close();
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, r.url);
      await completeBatch(s, batchId);
      const first = await eventually(async () => (await attempts(s, owner, w.id))[0]);
      expect(first).toMatchObject({ attempt: 1, status_code: null, succeeded: false, delivery_status: 'pending', next_attempt: expect.any(String) });
      expect(first.error).toMatch(/ECONNREFUSED/);
      await r.listen(port);
      await r.waitFor(1);
      new Webhook(w.secret, { format: 'raw' }).verify(r.requests[0].body, r.requests[0].headers);
      await eventually(async () => (await attempts(s, owner, w.id))[0]?.delivery_status === 'succeeded');
    });

    it('marks the delivery failed after the last attempt of the schedule', async () => {
      const r = await receiver(() => 503);
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, r.url);
      await completeBatch(s, batchId);
      await r.waitFor(4); // 1 + one per schedule entry
      const list = await eventually(async () => {
        const a = await attempts(s, owner, w.id);
        return a.length === 4 && a[0].delivery_status === 'failed' ? a : undefined;
      });
      // failed for good: no next attempt is scheduled, so none can come (no sleep needed to see it)
      expect(list[0]).toMatchObject({ attempt: 4, next_attempt: null });
      expect(r.requests).toHaveLength(4);
    });

    it('redelivers the last event with the same id; an already pending redelivery is not duplicated', async () => {
      const r = await receiver((n) => (n === 2 ? 'hang' : 200));
      const batchId = await makeBatch(s, owner);
      const w = await addWebhook(s, owner, batchId, r.url);
      const none = await s.http.post(`/api/webhooks/${w.id}/redeliver`).set('Authorization', owner.auth);
      expect(none.status).toBe(409);
      expect(none.body.type).toBe('Conflict');

      await completeBatch(s, batchId);
      await r.waitFor(1);
      await eventually(async () => (await attempts(s, owner, w.id))[0]?.delivery_status === 'succeeded');

      const first = await s.http.post(`/api/webhooks/${w.id}/redeliver`).set('Authorization', owner.auth);
      expect(first.status).toBe(202);
      expect(first.body).toEqual({
        object: 'WebhookDelivery',
        id: expect.any(String),
        webhook_id: w.id,
        event_id: r.requests[0].headers['webhook-id'],
        status: 'pending',
        attempt_count: 0,
        next_attempt: expect.any(String),
        created: expect.any(String),
        updated: expect.any(String),
      });
      await r.waitFor(2); // the redelivery is in flight (the receiver hangs)
      const again = await s.http.post(`/api/webhooks/${w.id}/redeliver`).set('Authorization', owner.auth);
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(first.body.id);
      const [both] = await Promise.all([
        s.http.post(`/api/webhooks/${w.id}/redeliver`).set('Authorization', owner.auth),
        s.http.post(`/api/webhooks/${w.id}/redeliver`).set('Authorization', owner.auth),
      ]);
      expect(both.body.id).toBe(first.body.id);
      await r.waitFor(3); // after the timeout, the retry succeeds
      expect(r.requests[1].headers['webhook-id']).toBe(r.requests[0].headers['webhook-id']);
      expect(r.requests[2].headers['webhook-id']).toBe(r.requests[0].headers['webhook-id']);
      new Webhook(w.secret, { format: 'raw' }).verify(r.requests[2].body, r.requests[2].headers);
      expect(r.requests[2].body).toBe(r.requests[0].body);
      const rows = await s.sql('SELECT id FROM webhook_deliveries WHERE webhook_id = $1', [w.id]);
      expect(rows).toHaveLength(2);
    });

    it('shares the sending between processes (the second process sends too) without sending an attempt twice', async () => {
      // Two servers on a database of their own, the second with its own log. The receiver holds
      // every answer until 5 requests are open at once: one process runs at most queueConcurrency
      // (4) jobs at a time, so the 5th can only come from the other process — without it, no
      // answer is ever sent and the test times out. (Timeouts are long, so no attempt is retried.)
      const a = await startTestServer({ webhookRetryScheduleSeconds: [1], webhookTimeoutMs: 120_000, webhookAllowPrivate: true, queueConcurrency: 4 });
      const peerLogs = new CapturedLogs();
      const peer = await startServer({ ...a.config, port: 0 }, { skipMigrations: true, logStream: peerLogs });
      let release!: () => void;
      const barrier = new Promise<number>((resolve) => (release = () => resolve(200)));
      const r = await receiver((n) => {
        if (n > a.config.queueConcurrency) release();
        return barrier;
      });
      try {
        const u = await registerUser(a.http);
        const batchIds: string[] = [];
        for (let i = 0; i < 10; i++) batchIds.push(await makeBatch(a, u));
        const hooks: string[] = [];
        for (const b of batchIds) for (let i = 0; i < 4; i++) hooks.push((await addWebhook(a, u, b, `${r.url}?b=${b}&i=${i}`)).id);
        for (const b of batchIds) await completeBatch(a, b);
        await r.waitFor(40, 60_000);
        for (const h of hooks) await eventually(async () => (await attempts(a, u, h))[0]?.delivery_status === 'succeeded', 60_000);
      } finally {
        // a graceful close waits for attempts in flight: after it, nothing more can be sent
        await peer.close();
        await a.close();
      }
      expect(r.requests).toHaveLength(40);
      expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(40);
      const sentBy = (text: string) => text.split('\n').filter((l) => l.includes('webhook delivered')).length;
      expect(sentBy(peerLogs.text())).toBeGreaterThan(0);
      expect(sentBy(peerLogs.text())).toBeLessThan(40);
    }, 120_000);
  });

  describe('at the end', () => {
    it('never writes a secret to a response body or a log line', () => {
      // the secrets and bodies of the tests above: run alone (-t), this fails rather than passing on empty lists
      expect(SECRETS.length).toBeGreaterThanOrEqual(10);
      expect(bodies.length).toBeGreaterThanOrEqual(10);
      const logs = s.logs.text();
      expect(logs.length).toBeGreaterThan(0);
      for (const sec of SECRETS) {
        expect(logs).not.toContain(sec);
        for (const b of bodies) expect(b).not.toContain(sec);
      }
    });
  });
});

describe('webhooks with private destinations refused (webhookAllowPrivate: false)', () => {
  let s: TestServer;
  let owner: TestUser;
  let r: WebhookReceiver;
  beforeAll(async () => {
    s = await startTestServer({ webhookAllowPrivate: false, webhookRetryScheduleSeconds: [1], webhookTimeoutMs: 500 });
    owner = await registerUser(s.http);
    r = await startReceiver();
  });
  afterAll(async () => {
    await r.close();
    await s.close();
  });

  it.each([
    'http://127.0.0.1:9/x',
    'http://localhost/x',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest',
    'http://[fd00:ec2::254]/',
    'http://0.0.0.0/',
    'http://100.64.1.1/',
  ])('refuses %s with a 422 at creation', async (destination) => {
    const batchId = await makeBatch(s, owner);
    const sec = secret('private');
    const res = await s.http.post(`/api/batches/${batchId}/webhooks`).set('Authorization', owner.auth).send({ destination, secret: sec });
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([{ field: 'destination', message: expect.stringMatching(/must not point to a loopback, private, link-local/) }]);
    expect(res.text).not.toContain(sec);
  });

  it('refuses again at delivery time (a name that resolves to loopback, and a literal)', async () => {
    const batchId = await makeBatch(s, owner);
    // stored behind the API's back, as if DNS had changed since creation
    const [byName] = await s.sql<{ id: string }>(`INSERT INTO webhooks (batch_id, destination, secret) VALUES ($1, $2, 'x') RETURNING id`, [
      batchId,
      `http://localhost:${r.port}/hook`,
    ]);
    const [byIp] = await s.sql<{ id: string }>(`INSERT INTO webhooks (batch_id, destination, secret) VALUES ($1, $2, 'x') RETURNING id`, [batchId, r.url]);
    await completeBatch(s, batchId);
    for (const id of [byName.id, byIp.id]) {
      const a = await eventually(async () => (await attempts(s, owner, String(id)))[0]);
      expect(a).toMatchObject({ succeeded: false, status_code: null, error: expect.stringMatching(/EFORBIDDENADDRESS/) });
    }
    expect(r.requests).toHaveLength(0);
  });

  it('never writes a secret to a log line', () => {
    const logs = s.logs.text();
    for (const sec of SECRETS) expect(logs).not.toContain(sec);
  });
});
