// Promise: API keys and passwords are stored only hashed; webhook secrets, keys, passwords and card data never appear in a response or a log line; submit_to tokens are unguessable (≥128 bits) and good for their own assignment only.
import { Webhook } from 'standardwebhooks';
import { registerUser, TestUser, uniqueEmail } from '../support/fixtures';
import { addMember, connectTasks, createGuild, createTask, createWorkspace, subscribe } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';
import { eventually, startReceiver, WebhookReceiver } from '../support/webhook-receiver';

describe('secrets', () => {
  let s: TestServer;
  let r: WebhookReceiver;
  const bodies: string[] = [];
  const PASSWORD = 'pw-Zq8mT3vXr9-distinctive';
  const WEBHOOK_SECRET = 'whsec-distinctive-7f3a9c1e5b';
  const WEBHOOK_SECRET_2 = 'whsec-added-later-2d8e4f6a0c';

  /** Every response body of this file, for the final scan. */
  function keep<T extends { text?: string; body?: unknown }>(res: T): T {
    bodies.push(res.text ?? JSON.stringify(res.body));
    return res;
  }

  beforeAll(async () => {
    s = await startTestServer({}, { WEBHOOK_RETRY_SCHEDULE: '1,1' });
    r = await startReceiver(() => 200);
  });
  afterAll(async () => {
    await r.close();
    await s.close();
  });

  let owner: TestUser;
  let worker: TestUser;
  const keys: string[] = [];
  const tokens: string[] = [];
  let cardSourceId = '';

  it('a full flow: register, keys, card, batch with webhook, claim, submit by form and by key, payout, completion webhook', async () => {
    const reg = keep(await s.http.post('/api/register').send({ email: uniqueEmail('sec-owner'), password: PASSWORD, password_confirmation: PASSWORD }));
    expect(reg.status).toBe(201);
    owner = { id: reg.body.id, email: reg.body.email, key: reg.body.api_key, auth: `Bearer ${reg.body.api_key}` };
    worker = await registerUser(s.http, uniqueEmail('sec-worker'));
    keys.push(owner.key, worker.key);
    const extra = keep(await s.http.post('/api/api_keys').set('Authorization', owner.auth));
    expect(extra.status).toBe(201);
    keys.push(extra.body.api_key);
    keep(await s.http.get('/api/api_keys').set('Authorization', owner.auth));
    keep(await s.http.get('/api/me').set('Authorization', `Basic ${Buffer.from(`${owner.key}:`).toString('base64')}`));

    const card = keep(await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' }));
    expect(card.status).toBe(201);
    keep(await s.http.get('/api/payment_methods').set('Authorization', owner.auth));
    [{ stripe_source_id: cardSourceId }] = await s.sql<{ stripe_source_id: string }>('SELECT stripe_source_id FROM payment_methods WHERE user_id = $1', [
      owner.id,
    ]);
    expect(cardSourceId).toMatch(/\w{6,}/);

    const guild = await createGuild(s.http, owner);
    const ws = await createWorkspace(s.http, owner);
    const t1 = await createTask(s.http, owner, guild.id, { name: 'one', minimum_amount_cents: 40, workspace_id: ws.id });
    const t2 = await createTask(s.http, owner, guild.id, { name: 'two', minimum_amount_cents: 30 });
    await connectTasks(s.http, owner, guild.id, t1.id, t2.id);
    await addMember(s.http, owner, guild.id, worker);
    await subscribe(s.http, worker, t1.id);
    await subscribe(s.http, worker, t2.id);

    const batch = keep(
      await s.http
        .post(`/api/guilds/${guild.id}/batches`)
        .set('Authorization', owner.auth)
        .send({ batch: { data: [{ q: 'a' }, { q: 'b' }], webhooks: [{ destination: r.url, secret: WEBHOOK_SECRET }] } }),
    );
    expect(batch.status).toBe(201);
    const hook2 = keep(
      await s.http.post(`/api/batches/${batch.body.id}/webhooks`).set('Authorization', owner.auth).send({ destination: r.url, secret: WEBHOOK_SECRET_2 }),
    );
    expect(hook2.status).toBe(201);
    keep(await s.http.get(`/api/batches/${batch.body.id}/webhooks`).set('Authorization', owner.auth));
    keep(await s.http.get(`/api/webhooks/${hook2.body.id}`).set('Authorization', owner.auth));
    keep(await s.http.get(`/api/batches/${batch.body.id}`).set('Authorization', owner.auth).set('OpenGuilds-Version', '2018-12-18'));
    expect(keep(await s.http.post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);

    // two claims: one submitted by browser form with its token, one by API key
    const c1 = keep(await s.http.post(`/api/tasks/${t1.id}/claims`).set('Authorization', worker.auth));
    const c2 = keep(await s.http.post(`/api/tasks/${t1.id}/claims`).set('Authorization', worker.auth));
    expect([c1.status, c2.status]).toEqual([201, 201]);
    for (const c of [c1, c2]) tokens.push(new URL(c.body.submit_to).searchParams.get('token')!);

    // a token is good for its own assignment only
    const u1 = new URL(c1.body.submit_to);
    const cross = keep(
      await s.http
        .post(`/api/assignments/${c2.body.id}/submit?token=${encodeURIComponent(tokens[0])}`)
        .type('form')
        .send({ answer: 'x' }),
    );
    expect(cross.status).toBe(404);
    expect(keep(await s.http.get(`/api/assignments/${c2.body.id}?token=${encodeURIComponent(tokens[0])}`)).status).toBe(404);
    expect(keep(await s.http.post(`/api/assignments/${c2.body.id}/release?token=${encodeURIComponent(tokens[0])}`)).status).toBe(404);
    expect(keep(await s.http.post(`${u1.pathname}${u1.search}`).type('form').send({ answer: 'form' })).status).toBe(200);
    expect(
      keep(
        await s.http
          .post(`/api/assignments/${c2.body.id}/submit`)
          .set('Authorization', worker.auth)
          .send({ parameters: { answer: 'key' } }),
      ).status,
    ).toBe(200);
    keep(await s.http.get('/api/assignments').set('Authorization', worker.auth));
    for (let i = 0; i < 2; i++) {
      const c = keep(await s.http.post(`/api/tasks/${t2.id}/claims`).set('Authorization', worker.auth));
      tokens.push(new URL(c.body.submit_to).searchParams.get('token')!);
      expect(
        keep(
          await s.http
            .post(`/api/assignments/${c.body.id}/submit`)
            .set('Authorization', worker.auth)
            .send({ parameters: { done: true } }),
        ).status,
      ).toBe(200);
    }

    // completion: both webhooks delivered and verifiable with their secrets
    await r.waitFor(2);
    const secrets = [WEBHOOK_SECRET, WEBHOOK_SECRET_2];
    for (const req of r.requests)
      expect(
        secrets.filter((sec) => {
          try {
            new Webhook(sec, { format: 'raw' }).verify(req.body, req.headers);
            return true;
          } catch {
            return false;
          }
        }),
      ).toHaveLength(1);
    await eventually(async () => (await s.sql(`SELECT 1 FROM webhook_deliveries WHERE status <> 'succeeded'`)).length === 0);
    keep(await s.http.get(`/api/webhooks/${hook2.body.id}/deliveries`).set('Authorization', owner.auth));
    keep(await s.http.post(`/api/webhooks/${hook2.body.id}/redeliver`).set('Authorization', owner.auth));
    keep(await s.http.get(`/api/data/${batch.body.data[0].id}/history`).set('Authorization', owner.auth));

    // money out
    const wallets = keep(await s.http.get('/api/wallets').set('Authorization', worker.auth));
    const payout = keep(await s.http.post(`/api/wallets/${wallets.body.data[0].id}/payouts`).set('Authorization', worker.auth).send({ amount_cents: 50 }));
    expect(payout.status).toBe(201);
    expect(keep(await s.http.post(`/api/payouts/${payout.body.id}/approve`).set('Authorization', owner.auth)).status).toBe(200);
    keep(await s.http.get(`/api/guilds/${guild.id}/payouts`).set('Authorization', owner.auth));
    keep(await s.http.get(`/api/wallets/${wallets.body.data[0].id}/transactions`).set('Authorization', worker.auth));

    // failures log too: a wrong key, a declined card
    keep(await s.http.get('/api/me').set('Authorization', `Bearer ${owner.key}x`));
    keep(await s.http.post('/api/payment_methods').set('Authorization', worker.auth).send({ source: 'tok_chargeDeclined' }));
  }, 60_000);

  it('stores API keys and passwords only hashed', async () => {
    const users = await s.sql<{ password_hash: string }>(`SELECT password_hash FROM users`);
    for (const u of users) expect(u.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    // no column of any table holds a key, a password, a token or a card source in clear text
    const dump =
      (await s.sql<{ t: string }>(`SELECT string_agg(to_jsonb(x)::text, E'\\n') AS t FROM (SELECT * FROM users) x`))[0].t +
      (await s.sql<{ t: string }>(`SELECT string_agg(to_jsonb(x)::text, E'\\n') AS t FROM (SELECT * FROM api_keys) x`))[0].t +
      (await s.sql<{ t: string }>(`SELECT string_agg(to_jsonb(x)::text, E'\\n') AS t FROM (SELECT * FROM assignments) x`))[0].t;
    // the lists were filled by the flow in beforeAll: an empty one would make the loops below prove nothing
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    for (const k of keys) {
      expect(dump).not.toContain(k);
      expect(dump).not.toContain(k.slice(4, 20)); // not a long fragment either (key_hint keeps the last few characters)
    }
    for (const t of tokens) expect(dump).not.toContain(t);
    expect(dump).not.toContain(PASSWORD);
  });

  it('never shows a webhook secret, key, password, token or card source in a response, or any of them in a log line', () => {
    expect(bodies.length).toBeGreaterThan(30);
    const everyBody = bodies.join('\n');
    for (const secret of [WEBHOOK_SECRET, WEBHOOK_SECRET_2, PASSWORD, cardSourceId, 'tok_visa', 'tok_chargeDeclined']) expect(everyBody).not.toContain(secret);
    // keys appear once each, in the response that created them (registration / POST /api/api_keys)
    for (const k of keys) expect(bodies.filter((b) => b.includes(k)).length).toBeLessThanOrEqual(1);
    // a token appears in its claim response only (submit_to), never in a later read
    for (const t of tokens) expect(bodies.filter((b) => b.includes(t)).length).toBe(1);

    const logs = s.logs.text();
    expect(logs.length).toBeGreaterThan(1000); // debug level: every request is logged
    for (const secret of [WEBHOOK_SECRET, WEBHOOK_SECRET_2, PASSWORD, cardSourceId, 'tok_visa', 'tok_chargeDeclined', ...keys, ...tokens])
      expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/"authorization"/i);
  });

  it('submit_to tokens carry at least 128 random bits and never repeat', () => {
    // the tokens of the flow above: run alone (-t), this fails rather than passing on an empty list
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens) {
      const m = /^ogs_([A-Za-z0-9_-]+)$/.exec(t);
      expect(m).not.toBeNull();
      expect(Buffer.from(m![1], 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    }
  });
});
