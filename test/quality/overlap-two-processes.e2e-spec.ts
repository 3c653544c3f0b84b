import { Client } from 'pg';
import TestAgent from 'supertest/lib/agent';
import { checkLedgerInvariant } from '../../src/ledger/ledger-invariant';
import { startStripeMock, StripeMock } from '../../src/stripe-mock';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';
import { ProcessServer, startProcessServer } from '../support/process-server';
import { createTestDatabase, TestDatabase } from '../support/server';
import { eventually, startReceiver, WebhookReceiver } from '../support/webhook-receiver';

/**
 * Overlap across server processes (API.md §11.1, issue 16 "two processes claiming with overlap never
 * give one member the same datum twice"): two real processes on one database, every member
 * claiming on both at once (one lane per process), each answer submitted on the other process.
 * Then: no member got a datum twice, every datum has exactly its answers from distinct members,
 * the money balances to the cent, the ledger invariant holds and the completion webhook fired once.
 */
jest.setTimeout(300_000);

describe('overlap with two server processes claiming at once', () => {
  let db: TestDatabase;
  let stripe: StripeMock;
  let a: ProcessServer;
  let b: ProcessServer;
  let hook: WebhookReceiver;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    // like the real Stripe, one mock is shared by both processes
    stripe = await startStripeMock();
    const env = { STRIPE_API_URL: stripe.url, WEBHOOK_ALLOW_PRIVATE: 'true', RATE_LIMIT_PER_MINUTE: '100000' };
    [a, b] = await Promise.all([startProcessServer({ db, env, readyTimeoutMs: 300_000 }), startProcessServer({ db, env, readyTimeoutMs: 300_000 })]);
    hook = await startReceiver();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 600_000);
  afterAll(async () => {
    await pg?.end();
    await a?.close();
    await b?.close();
    await hook?.close();
    await stripe?.close();
    await db?.drop();
  });

  const sql = async <T = Record<string, unknown>>(text: string, params: unknown[] = []) => (await pg.query(text, params)).rows as T[];

  /** One member's lane on one process: claim there, submit on the other, until a 204. */
  async function lane(w: TestUser, taskId: string, claimOn: TestAgent, submitOn: TestAgent, got: Array<{ datum: string; member: string }>) {
    for (;;) {
      const c = await claimOn.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
      if (c.status === 204) return;
      expect(c.status).toBe(201);
      got.push({ datum: c.body.datum.id as string, member: w.id });
      const label = Number(w.id) % 2 === 0 ? 'cat' : 'dog';
      const s = await submitOn.post(`/api/assignments/${c.body.id}/submit`).set('Authorization', w.auth).send({ parameters: { label } });
      expect(s.status).toBe(200);
    }
  }

  it('fixed overlap 3, 6 members × 2 processes: no datum twice to a member, 3 answers per datum, money to the cent, one webhook', async () => {
    const DATA = 24;
    const REWARD = 7;
    const owner = await registerUser(a.http);
    expect((await b.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' })).status).toBe(201);
    const guild = await a.http
      .post('/api/guilds')
      .set('Authorization', owner.auth)
      .send({ name: 'Two processes', description: 'overlap', input_parameters: ['image_url'] });
    expect(guild.status).toBe(201);
    const ws = await a.http
      .post('/api/workspaces')
      .set('Authorization', owner.auth)
      .send({ name: 'W', preview: 'https://workspace.example.com/task', permissions: 'open' });
    const quality = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', overlap: { min: 3, max: 3 } };
    const task = await b.http
      .post(`/api/guilds/${guild.body.id}/tasks`)
      .set('Authorization', owner.auth)
      .send({ name: 'Label', minimum_amount_cents: REWARD, workspace_id: ws.body.id, quality });
    expect(task.status).toBe(201);
    const taskId = task.body.id as string;
    const workers: TestUser[] = [];
    for (let i = 0; i < 6; i++) {
      const w = await registerUser(i % 2 ? a.http : b.http);
      await addMember(a.http, owner, guild.body.id, w);
      await subscribe(b.http, w, taskId);
      workers.push(w);
    }
    const data = Array.from({ length: DATA }, (_, i) => ({ image_url: `https://img.example.com/${i}.png` }));
    const batch = await a.http
      .post(`/api/guilds/${guild.body.id}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data, webhooks: [{ destination: hook.url, secret: 'whsec_two_processes' }] } });
    expect(batch.status).toBe(201);
    expect((await b.http.post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);

    // every member claims on both processes at once: 12 lanes, two per member
    const got: Array<{ datum: string; member: string }> = [];
    await Promise.all(workers.flatMap((w) => [lane(w, taskId, a.http, b.http, got), lane(w, taskId, b.http, a.http, got)]));

    // what the members were given: never one datum twice to one member, 3 members per datum
    const pairs = got.map((g) => `${g.datum}/${g.member}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(got).toHaveLength(DATA * 3);
    const perDatum = new Map<string, Set<string>>();
    for (const g of got) perDatum.set(g.datum, (perDatum.get(g.datum) ?? new Set()).add(g.member));
    expect(perDatum.size).toBe(DATA);
    for (const members of perDatum.values()) expect(members.size).toBe(3);

    // what the owner sees: every datum done with exactly 3 approved answers from 3 distinct members
    const results = await a.http.get(`/api/batches/${batch.body.id}/results?limit=100`).set('Authorization', owner.auth);
    expect(results.status).toBe(200);
    expect(results.body.data).toHaveLength(DATA);
    for (const r of results.body.data as Array<{ answer: string; answers_count: number; answers: Array<{ member_id: string }> }>) {
      expect(r.answers_count).toBe(3);
      expect(new Set(r.answers.map((x) => x.member_id)).size).toBe(3);
      expect(['cat', 'dog']).toContain(r.answer);
    }
    // and in the database, whichever process wrote it: no (datum, task, member) twice in any status
    expect(await sql(`SELECT datum_id, member_id FROM assignments WHERE task_id = $1 GROUP BY datum_id, member_id HAVING count(*) > 1`, [taskId])).toEqual([]);

    const done = await b.http.get(`/api/batches/${batch.body.id}`).set('Authorization', owner.auth);
    expect(done.body).toMatchObject({
      status: 'completed',
      data_completed_count: DATA,
      cost_cents: DATA * 3 * REWARD,
      spent_cents: DATA * 3 * REWARD,
      refunded_cents: 0,
    });
    expect(done.body.spent_cents + done.body.refunded_cents).toBe(done.body.cost_cents);
    expect(await checkLedgerInvariant({ query: (text, params) => sql(text, params) })).toEqual([]);

    // the completion webhook fires once, whichever process completed the batch
    await eventually(async () => hook.requests.length > 0);
    await new Promise((r) => setTimeout(r, 2000));
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(hook.requests[0].body)).toMatchObject({ id: batch.body.id, completed: true });
  });
});
