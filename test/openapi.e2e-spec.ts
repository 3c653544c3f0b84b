import request from 'supertest';
import { expectLedgerInvariant } from './support/ledger';
import { Exchange, OpenApiValidator } from './support/openapi-validator';
import { startTestServer, TestServer } from './support/server';
import { eventually, startReceiver, WebhookReceiver } from './support/webhook-receiver';

/**
 * The OpenAPI document tells the truth (docs/openapi.md): the README flow, and the errors a
 * client meets on the way, run against a real server, and every response is checked against the
 * document the same server serves at /api/openapi.json — the route and status must be
 * documented and the body must match that operation's schema for that status (undocumented
 * fields fail too). Then each operation's documented security is tried without a key.
 */
describe('OpenAPI document: every real response matches it', () => {
  let s: TestServer;
  let receiver: WebhookReceiver;
  let v: OpenApiValidator;
  const exchanges: Exchange[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer();
    const res = await s.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    v = new OpenApiValidator(res.body);
  });
  afterAll(async () => {
    await s?.close();
    await receiver?.close();
  });

  type Method = 'get' | 'post' | 'patch' | 'delete';
  interface Opts {
    key?: string;
    body?: object | string;
    type?: string;
    headers?: Record<string, string>;
    form?: Record<string, string>;
    file?: { name: string; bytes: Buffer; fields?: Record<string, string> };
  }

  /** One request through the real HTTP stack, recorded for the check against the document. */
  async function call(method: Method, path: string, o: Opts = {}) {
    let req = request(s.url)[method](path);
    if (o.key) req = req.set('Authorization', `Bearer ${o.key}`);
    for (const [k, val] of Object.entries(o.headers ?? {})) req = req.set(k, val);
    if (o.file) {
      for (const [k, val] of Object.entries(o.file.fields ?? {})) req = req.field(k, val);
      req = req.attach('file', o.file.bytes, o.file.name);
    } else if (o.form) req = req.type('form').send(o.form);
    else if (typeof o.body === 'string') req = req.type(o.type ?? 'json').send(o.body);
    else if (o.body !== undefined) req = req.send(o.body);
    const res = await req;
    const contentType = String(res.headers['content-type'] ?? '');
    exchanges.push({
      method: method.toUpperCase(),
      path: path.split('?')[0],
      status: res.status,
      contentType,
      body: /json/.test(contentType) ? res.body : (res.text ?? res.body),
    });
    return res;
  }

  async function expectStatus(status: number, method: Method, path: string, o: Opts = {}) {
    const res = await call(method, path, o);
    if (res.status !== status) throw new Error(`${method.toUpperCase()} ${path}: expected ${status}, got ${res.status} ${res.text}`);
    return res.body;
  }

  it('runs the README flow and the errors around it', async () => {
    const password = 'correct horse battery';
    const owner = await expectStatus(201, 'post', '/api/register', { body: { email: 'owner@example.com', password, password_confirmation: password } });
    const worker = await expectStatus(201, 'post', '/api/register', { body: { email: 'worker@example.com', password, password_confirmation: password } });
    const O = owner.api_key as string;
    const W = worker.api_key as string;
    await expectStatus(200, 'get', '/api/me', { key: O });
    await expectStatus(200, 'get', '/api/users/authenticate', { key: O });
    const extraKey = await expectStatus(201, 'post', '/api/api_keys', { key: O, body: { name: 'ci server' } });
    await expectStatus(200, 'get', '/api/api_keys', { key: O });
    await expectStatus(200, 'delete', `/api/api_keys/${extraKey.id}`, { key: O });

    const ws = await expectStatus(201, 'post', '/api/workspaces', {
      key: O,
      body: { name: 'Transcription UI', preview: 'https://preview.interface.com', permissions: 'open' },
    });
    await expectStatus(200, 'get', '/api/workspaces', { key: O });
    await expectStatus(200, 'get', `/api/workspaces/${ws.id}`, { key: O });
    const guild = await expectStatus(201, 'post', '/api/guilds', {
      key: O,
      body: { name: 'Audio Transcription', description: 'audio in, text out', input_parameters: ['audio_url'] },
    });
    const G = guild.id as string;
    await expectStatus(200, 'patch', `/api/guilds/${G}`, { key: O, body: { description: 'audio in, text out (checked)' } });
    const t1 = await expectStatus(201, 'post', `/api/guilds/${G}/tasks`, {
      key: O,
      body: { name: 'Transcribe', minimum_amount_cents: 500, workspace_id: ws.id },
    });
    const t2 = await expectStatus(201, 'post', `/api/guilds/${G}/tasks`, { key: O, body: { name: 'Review', minimum_amount_cents: 100, workspace_id: ws.id } });
    const t3 = await expectStatus(201, 'post', `/api/guilds/${G}/tasks`, { key: O, body: { name: 'Spare', minimum_amount_cents: 0 } });
    await expectStatus(200, 'patch', `/api/tasks/${t3.id}`, { key: O, body: { lease_seconds: 600 } });
    const conn = await expectStatus(201, 'post', `/api/guilds/${G}/connections`, { key: O, body: { source: t1.id, target: t2.id } });
    await expectStatus(201, 'post', `/api/guilds/${G}/connections`, { key: O, body: { source: t2.id, target: t3.id } });
    const spare = await expectStatus(201, 'post', `/api/guilds/${G}/connections`, { key: O, body: { source: t1.id, target: t3.id } });
    await expectStatus(200, 'delete', `/api/connections/${spare.id}`, { key: O });
    await expectStatus(200, 'get', `/api/guilds/${G}/tasks`, { key: O });
    await expectStatus(200, 'get', `/api/guilds/${G}/tasks/${t1.id}`, { key: O });
    await expectStatus(200, 'get', `/api/tasks/${t2.id}`, { key: O });
    await expectStatus(200, 'get', `/api/tasks/${t1.id}/connections`, { key: O });
    expect((await expectStatus(200, 'get', `/api/guilds/${G}`, { key: O })).price_per_datum_cents).toBe(600);
    await expectStatus(200, 'get', '/api/guilds', { key: O });
    await expectStatus(409, 'post', `/api/guilds/${G}/connections`, { key: O, body: { source: conn.source, target: conn.target } });

    const invite = await expectStatus(201, 'post', `/api/guilds/${G}/invites`, { key: O, body: { email: 'worker@example.com' } });
    await expectStatus(200, 'get', `/api/guilds/${G}/invites`, { key: O });
    await expectStatus(200, 'get', '/api/me/invites', { key: W });
    const member = await expectStatus(200, 'post', `/api/invites/${invite.id}/accept`, { key: W });
    await expectStatus(409, 'post', `/api/invites/${invite.id}/accept`, { key: W });
    await expectStatus(200, 'get', `/api/guilds/${G}/members`, { key: O });
    await expectStatus(200, 'get', `/api/guilds/${G}/members/find?email=worker@example.com`, { key: O });
    await expectStatus(200, 'get', `/api/guilds/${G}/members/${member.id}`, { key: O });
    await expectStatus(200, 'get', `/api/members/${member.id}`, { key: O });
    await expectStatus(201, 'post', `/api/tasks/${t1.id}/subscriptions`, { key: W });
    await expectStatus(200, 'post', `/api/tasks/${t1.id}/subscriptions`, { key: W });
    await expectStatus(201, 'post', `/api/tasks/${t2.id}/subscriptions`, { key: W });
    await expectStatus(201, 'post', `/api/tasks/${t3.id}/subscriptions`, { key: W });
    await expectStatus(200, 'delete', `/api/tasks/${t3.id}/subscriptions`, { key: W });
    await expectStatus(403, 'post', `/api/tasks/${t3.id}/claims`, { key: W });
    await expectStatus(201, 'post', `/api/tasks/${t3.id}/subscriptions`, { key: W });
    await expectStatus(200, 'get', '/api/me/tasks', { key: W });
    await expectStatus(403, 'patch', `/api/guilds/${G}`, { key: W, body: { name: 'mine now' } });

    // no card yet: paying is a 402 and nothing changes
    const unpaid = await expectStatus(201, 'post', `/api/guilds/${G}/batches`, {
      key: O,
      body: { batch: { data: [{ audio_url: 'https://example.com/x.mp3' }] } },
    });
    await expectStatus(402, 'post', `/api/batches/${unpaid.id}/debits`, { key: O });
    await expectStatus(201, 'post', '/api/payment_methods', { key: O, body: { source: 'tok_visa' } });
    await expectStatus(200, 'get', '/api/payment_methods', { key: O });

    const batch = await expectStatus(201, 'post', `/api/guilds/${G}/batches`, {
      key: O,
      body: {
        batch: {
          data: [{ audio_url: 'https://example.com/a.mp3' }, { audio_url: 'https://example.com/b.mp3' }],
          webhooks: [{ destination: receiver.url, secret: 'secret123' }],
        },
      },
    });
    const B = batch.id as string;
    const one = await expectStatus(201, 'post', `/api/batches/${B}/data`, { key: O, body: { audio_url: 'https://example.com/c.mp3' } });
    await expectStatus(201, 'post', `/api/batches/${B}/data`, { key: O, body: { data: [{ audio_url: 'https://example.com/d.mp3' }] } });
    await expectStatus(422, 'post', `/api/batches/${B}/data`, { key: O, body: { data: [{ other: 1 }] } });
    await expectStatus(200, 'get', `/api/data/${one.id}`, { key: O });
    await expectStatus(200, 'delete', `/api/data/${one.id}`, { key: O });
    const file = await expectStatus(201, 'post', `/api/batches/${B}/files`, {
      key: O,
      file: { name: 'sample.bin', bytes: Buffer.from('some bytes'), fields: { parameter: 'audio_url' } },
    });
    const download = await call('get', file.url, { key: O });
    expect(download.status).toBe(200);
    await expectStatus(200, 'get', `/api/batches/${B}/data`, { key: O });
    await expectStatus(200, 'get', `/api/batches/${B}`, { key: O });
    await expectStatus(200, 'get', '/api/batches?status=unpaid', { key: O });
    const hooks = await expectStatus(200, 'get', `/api/batches/${B}/webhooks`, { key: O });
    const spareHook = await expectStatus(201, 'post', `/api/batches/${B}/webhooks`, { key: O, body: { destination: receiver.url, secret: 'another' } });
    await expectStatus(200, 'get', `/api/webhooks/${spareHook.id}`, { key: O });
    await expectStatus(200, 'patch', `/api/webhooks/${spareHook.id}`, { key: O, body: { events: ['batch.completed', 'datum.completed'] } });
    await expectStatus(422, 'patch', `/api/webhooks/${spareHook.id}`, { key: O, body: { events: ['no.such.event'] } });
    await expectStatus(200, 'delete', `/api/webhooks/${spareHook.id}`, { key: O });
    await expectStatus(409, 'post', `/api/webhooks/${hooks.data[0].id}/redeliver`, { key: O });

    const paid = await expectStatus(201, 'post', `/api/batches/${B}/debits`, { key: O, headers: { 'Idempotency-Key': 'pay-batch-1' } });
    expect(paid.amount_cents).toBe(2400); // a, b, d and the file, at $6.00 each
    expect(await expectStatus(201, 'post', `/api/batches/${B}/debits`, { key: O, headers: { 'Idempotency-Key': 'pay-batch-1' } })).toEqual(paid);
    await expectStatus(409, 'post', `/api/batches/${B}/debits`, { key: O });
    await expectStatus(422, 'post', `/api/batches/${unpaid.id}/debits`, { key: O, headers: { 'Idempotency-Key': 'pay-batch-1' } });
    await expectStatus(409, 'post', `/api/batches/${B}/data`, { key: O, body: { audio_url: 'https://example.com/late.mp3' } });

    // the worker: one release (then a late submit is a 410), then every piece of work
    const first = await expectStatus(201, 'post', `/api/tasks/${t1.id}/claims`, { key: W });
    await expectStatus(200, 'get', `/api/assignments/${first.id}`, { key: W });
    await expectStatus(200, 'post', `/api/assignments/${first.id}/release`, { key: W });
    await expectStatus(410, 'post', `/api/assignments/${first.id}/submit`, { key: W, body: { parameters: { checked_by: 'worker' } } });
    let formDone = false;
    for (let round = 0, claimed = true; claimed && round < 20; round++) {
      claimed = false;
      for (const task of [t1, t2, t3]) {
        const a = await call('post', `/api/tasks/${task.id}/claims`, { key: W });
        if (a.status === 204) continue;
        expect(a.status).toBe(201);
        claimed = true;
        if (!formDone) {
          // the browser's way: a form post to submit_to, authorised by its token
          const submitTo = new URL(a.body.submit_to as string);
          const page = await call('post', `${submitTo.pathname}${submitTo.search}`, { form: { checked_by: 'worker', assignmentId: a.body.id } });
          expect(page.status).toBe(200);
          expect(page.headers['content-type']).toMatch(/text\/html/);
          formDone = true;
        } else {
          await expectStatus(200, 'post', `/api/assignments/${a.body.id}/submit`, { key: W, body: { parameters: { checked_by: 'worker' } } });
        }
        await expectStatus(409, 'post', `/api/assignments/${a.body.id}/submit`, { key: W, body: { parameters: { again: true } } });
      }
    }
    await expectStatus(204, 'post', `/api/tasks/${t1.id}/claims`, { key: W });
    await expectStatus(200, 'get', '/api/assignments', { key: W });
    const done = await expectStatus(200, 'get', `/api/batches/${B}`, { key: O });
    expect(done.status).toBe('completed');
    await expectStatus(200, 'get', `/api/data/${done.data[0].id}/history`, { key: O });
    const results = await expectStatus(200, 'get', `/api/batches/${B}/results?limit=2`, { key: O });
    await expectStatus(200, 'get', `/api/batches/${B}/results?starting_after=${results.data[1].id}`, { key: O });
    await expectStatus(422, 'get', `/api/batches/${B}/results?starting_after=${results.data[1].id}&page=2`, { key: O });
    expect((await call('get', `/api/batches/${B}/results?format=csv`, { key: O })).status).toBe(200);
    expect((await call('get', `/api/batches/${B}/results`, { key: O, headers: { Accept: 'application/x-ndjson' } })).status).toBe(200);
    const events = await call('get', `/api/batches/${B}/events`, { key: O });
    expect(events.status).toBe(200);
    expect(events.text).toMatch(/event: completed/);

    const wallets = await expectStatus(200, 'get', '/api/wallets', { key: W });
    const wallet = wallets.data[0];
    expect(wallet.balance_cents).toBe(2400);
    await expectStatus(200, 'get', `/api/wallets/${wallet.id}`, { key: W });
    await expectStatus(200, 'get', `/api/wallets/${wallet.id}/transactions`, { key: W });
    const payout = await expectStatus(201, 'post', `/api/wallets/${wallet.id}/payouts`, {
      key: W,
      body: { amount_cents: 500 },
      headers: { 'Idempotency-Key': 'payout-1' },
    });
    await expectStatus(200, 'get', `/api/guilds/${G}/payouts`, { key: O });
    await expectStatus(200, 'post', `/api/payouts/${payout.id}/approve`, { key: O });
    await expectStatus(409, 'post', `/api/payouts/${payout.id}/decline`, { key: O });
    const second = await expectStatus(201, 'post', `/api/wallets/${wallet.id}/payouts`, { key: W, body: { amount_cents: 100 } });
    await expectStatus(200, 'post', `/api/payouts/${second.id}/decline`, { key: O });

    // a bonus for one of the worker's submissions, a block and its end (API.md §12.4)
    const [sub] = await s.sql<{ id: string }>(
      'SELECT s.id FROM submissions s JOIN assignments a ON a.id = s.assignment_id WHERE a.user_id = $1 ORDER BY s.id LIMIT 1',
      [worker.id],
    );
    await expectStatus(201, 'post', `/api/submissions/${sub.id}/bonuses`, {
      key: O,
      body: { amount_cents: 25, reason: 'thanks' },
      headers: { 'Idempotency-Key': 'bonus-1' },
    });
    await expectStatus(422, 'post', `/api/submissions/${sub.id}/bonuses`, { key: O, body: { amount_cents: 0, reason: 'thanks' } });
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await expectStatus(200, 'post', `/api/guilds/${G}/members/${member.id}/block`, { key: O, body: { reason: 'a test', until } });
    await expectStatus(403, 'post', `/api/tasks/${t1.id}/claims`, { key: W });
    await expectStatus(200, 'get', `/api/guilds/${G}/members?blocked=true`, { key: O });
    await expectStatus(200, 'delete', `/api/guilds/${G}/members/${member.id}/block`, { key: O });

    // the webhook was called; its delivery log and a redelivery
    await receiver.waitFor(1);
    const hook = hooks.data[0].id as string;
    await eventually(async () => (await call('get', `/api/webhooks/${hook}/deliveries`, { key: O })).body.data?.length > 0);
    await expectStatus(202, 'post', `/api/webhooks/${hook}/redeliver`, { key: O });

    // quality settings and control answers (API.md §11), in a guild of their own
    const g2 = await expectStatus(201, 'post', '/api/guilds', {
      key: O,
      body: { name: 'Labels', description: 'cats and dogs', input_parameters: ['image_url'] },
    });
    const quality = { answer: 'label', labels: ['cat', 'dog'], overlap: { min: 1, max: 3, confidence: 0.9 } };
    const labelled = await expectStatus(201, 'post', `/api/guilds/${g2.id}/tasks`, { key: O, body: { name: 'Label', minimum_amount_cents: 5, quality } });
    const gold = await expectStatus(201, 'post', `/api/tasks/${labelled.id}/gold`, {
      key: O,
      body: { data: [{ parameters: { image_url: 'https://example.com/cat.png' }, answer: 'cat' }] },
    });
    await expectStatus(422, 'post', `/api/tasks/${labelled.id}/gold`, {
      key: O,
      body: { data: [{ parameters: { image_url: 'https://example.com/h.png' }, answer: 'horse' }] },
    });
    await expectStatus(200, 'get', `/api/tasks/${labelled.id}/gold`, { key: O });
    await expectStatus(200, 'delete', `/api/gold/${gold.data[0].id}`, { key: O });

    // tidy-ups and their refusals
    await expectStatus(409, 'delete', `/api/batches/${B}`, { key: O });
    await expectStatus(200, 'delete', `/api/batches/${unpaid.id}`, { key: O });
    await expectStatus(409, 'delete', `/api/batches/${unpaid.id}`, { key: O });
    const later = await expectStatus(201, 'post', `/api/guilds/${G}/invites`, { key: O, body: { email: 'later@example.com' } });
    await expectStatus(200, 'delete', `/api/invites/${later.id}`, { key: O });
    await expectStatus(200, 'delete', `/api/guilds/${G}/members/${member.id}`, { key: O });
    await expectStatus(404, 'delete', `/api/members/${member.id}`, { key: O });

    // the conventions' errors
    await expectStatus(401, 'get', '/api/me');
    await expectStatus(401, 'get', '/api/me', { key: 'og_not_a_real_key' });
    await expectStatus(404, 'get', '/api/batches/999999', { key: O });
    await expectStatus(404, 'get', `/api/batches/${B}`, { key: W });
    await expectStatus(422, 'post', '/api/guilds', { key: O, body: {} });
    await expectStatus(422, 'post', `/api/guilds/${G}/batches`, { key: O, body: {} });
    await expectStatus(422, 'get', '/api/guilds?limit=1000', { key: O });
    await expectStatus(400, 'post', '/api/guilds', { key: O, body: '{"name":', type: 'json' });
    await expectStatus(400, 'get', '/api/batches', { key: O, headers: { 'OpenGuilds-Version': '1999-01-01' } });
    await expectStatus(415, 'post', '/api/guilds', { key: O, body: 'name=x', type: 'text' });
    await expectStatus(406, 'get', '/api/guilds', { key: O, headers: { Accept: 'text/html' } });
    await expectStatus(422, 'post', '/api/register', { body: { email: 'owner@example.com', password, password_confirmation: password } });
    await expectStatus(201, 'post', '/api/sessions', { body: { email: 'owner@example.com', password } });
    await expectStatus(401, 'post', '/api/sessions', { body: { email: 'owner@example.com', password: 'not the password' } });

    await expectStatus(200, 'get', '/health');
    await expectStatus(200, 'get', '/ready');
    await expectLedgerInvariant(s);

    const problems = exchanges.flatMap((x) => v.check(x));
    expect(problems).toEqual([]);

    // the check can fail: an undocumented field, a missing one, a wrong type, an undocumented status
    const real = exchanges.find((x) => x.method === 'GET' && x.path === `/api/guilds/${G}` && x.status === 200)!;
    const body = real.body as Record<string, unknown>;
    const { price_floor: _dropped, ...missing } = body;
    expect(v.check({ ...real, body: { ...body, surprise: 1 } })).toHaveLength(1);
    expect(v.check({ ...real, body: missing })).toHaveLength(1);
    expect(v.check({ ...real, body: { ...body, id: 1 } })).toHaveLength(1);
    expect(v.check({ ...real, status: 418 })).toHaveLength(1);
    expect(v.check({ ...real, path: '/api/nowhere' })).toHaveLength(1);
  });

  it('covers most of the document, and each operation has a stable id and a summary', () => {
    const ids = v.operations.map((o) => o.operationId);
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(v.operations.filter((o) => !o.summary).map((o) => o.operationId)).toEqual([]);
    const exercised = new Set(exchanges.map((x) => v.find(x.method, x.path)?.operationId));
    const missed = v.operations.filter((o) => !exercised.has(o.operationId)).map((o) => o.operationId);
    // routes this flow does not reach are listed here so a new route is a conscious choice
    expect(missed.sort()).toEqual([]);
  });

  it('documents security truthfully: a route that needs a key answers 401 without one, a public one does not', async () => {
    const wrong: string[] = [];
    for (const op of v.operations) {
      const path = op.template.replace(/\{[^}]+\}/g, '1');
      const method = op.method.toLowerCase() as Method;
      // a body that would pass validation, so what answers is the authentication
      const agent = request(s.url)[method](path);
      const res = method === 'post' || method === 'patch' ? await agent.send({ parameters: { probe: 'x' } }) : await agent;
      const security = op.security ?? [];
      const needsSomething = security.length > 0 && !security.some((r) => Object.keys(r).length === 0);
      const anonymousAllowed = security.length === 0;
      if (needsSomething && res.status !== 401) wrong.push(`${op.operationId}: documented as needing a key, answered ${res.status} without one`);
      if (anonymousAllowed && res.status === 401) wrong.push(`${op.operationId}: documented as public, answered 401`);
      // key-or-token routes: neither given → 401 as documented
      if (!needsSomething && !anonymousAllowed && res.status !== 401) wrong.push(`${op.operationId}: key-or-token route answered ${res.status} with neither`);
    }
    expect(wrong).toEqual([]);
  });
});
