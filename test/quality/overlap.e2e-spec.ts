import { expectLedgerInvariant } from '../support/ledger';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';
import { escrowCents, giveCard, walletCents } from '../support/work-fixtures';
import { startTestServer, TestServer } from '../support/server';
import { eventually, startReceiver, WebhookReceiver } from '../support/webhook-receiver';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Overlap (API.md §11.1, §11.6): distinct members per datum, adaptive stop, the aggregate in the
 * datum's parameters, reservations and refunds to the cent, completion once — all through HTTP.
 */
describe('overlap: several answers per datum (API.md §11.1)', () => {
  let s: TestServer;
  let owner: TestUser;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    // every answer of a dawid_skene task refreshes its model (100 by default), so the refresh is seen at once
    s = await startTestServer({ leaseSweepIntervalMs: 3_600_000, webhookAllowPrivate: true, qualityRefreshEveryAnswers: 1 });
    owner = await registerUser(s.http);
    await giveCard(s, owner);
  });
  afterEach(() => expectLedgerInvariant(s));
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await s.close();
  });

  type Worker = TestUser & { memberId: string };
  interface Setup {
    guildId: string;
    taskId: string;
    workers: Worker[];
  }

  async function setUp(quality: object | null, workers: number, reward = 10): Promise<Setup> {
    const guild = await s.http
      .post('/api/guilds')
      .set('Authorization', owner.auth)
      .send({ name: 'Labels', description: 'overlap', input_parameters: ['image_url'] });
    expect(guild.status).toBe(201);
    const ws = await s.http
      .post('/api/workspaces')
      .set('Authorization', owner.auth)
      .send({ name: 'W', preview: 'https://workspace.example.com/task', permissions: 'open' });
    const task = await s.http
      .post(`/api/guilds/${guild.body.id}/tasks`)
      .set('Authorization', owner.auth)
      .send({ name: 'Label', minimum_amount_cents: reward, workspace_id: ws.body.id, ...(quality ? { quality } : {}) });
    expect(task.status).toBe(201);
    const list: Worker[] = [];
    for (let i = 0; i < workers; i++) {
      const w = await registerUser(s.http);
      const member = await addMember(s.http, owner, guild.body.id, w);
      await subscribe(s.http, w, task.body.id);
      list.push({ ...w, memberId: member.id });
    }
    return { guildId: guild.body.id, taskId: task.body.id, workers: list };
  }

  async function batch(guildId: string, n: number, webhook?: string): Promise<string> {
    const data = Array.from({ length: n }, (_, i) => ({ image_url: `https://img.example.com/${i}.png` }));
    const res = await s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data, ...(webhook ? { webhooks: [{ destination: webhook, secret: 'whsec_overlap' }] } : {}) } });
    expect(res.status).toBe(201);
    const paid = await s.http.post(`/api/batches/${res.body.id}/debits`).set('Authorization', owner.auth);
    expect(paid.status).toBe(201);
    return res.body.id;
  }

  const claim = (w: TestUser, taskId: string) => s.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
  const submit = (w: TestUser, assignmentId: string, parameters: object) =>
    s.http.post(`/api/assignments/${assignmentId}/submit`).set('Authorization', w.auth).send({ parameters });
  const getBatch = async (id: string) => (await s.http.get(`/api/batches/${id}`).set('Authorization', owner.auth)).body;

  it('fixed overlap 3: three distinct members each get the datum once, a fourth member gets 204 once they hold it', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', overlap: { min: 3, max: 3 } };
    const { guildId, taskId, workers } = await setUp(q, 4);
    const batchId = await batch(guildId, 1);
    const b0 = await getBatch(batchId);
    // 1 datum × 3 answers × 10 cents
    expect(b0).toMatchObject({ cost_cents: 30, cost: '$0.30', spent_cents: 0, refunded_cents: 0, gold_cents: 0, gold: '$0.00', status: 'processing' });

    const first = await claim(workers[0], taskId);
    expect(first.status).toBe(201);
    // the same member never gets the datum twice: it is the only datum, so 204
    expect((await claim(workers[0], taskId)).status).toBe(204);
    const second = await claim(workers[1], taskId);
    const third = await claim(workers[2], taskId);
    expect([second.status, third.status]).toEqual([201, 201]);
    const datumIds = [first, second, third].map((r) => r.body.datum.id);
    expect(new Set(datumIds).size).toBe(1);
    // three slots, three holders: nothing left for a fourth member
    expect((await claim(workers[3], taskId)).status).toBe(204);

    expect((await submit(workers[0], first.body.id, { label: 'cat' })).status).toBe(200);
    expect((await submit(workers[1], second.body.id, { label: 'dog' })).status).toBe(200);
    // after two of three answers the datum is not done: nothing of the answers is merged yet
    const mid = await s.http.get(`/api/data/${datumIds[0]}`).set('Authorization', owner.auth);
    expect(mid.body.parameters).toEqual({ image_url: 'https://img.example.com/0.png' });
    expect((await claim(workers[0], taskId)).status).toBe(204);
    expect((await submit(workers[2], third.body.id, { label: 'cat' })).status).toBe(200);

    const datum = await s.http.get(`/api/data/${datumIds[0]}`).set('Authorization', owner.auth);
    expect(datum.body.status).toBe('completed');
    expect(datum.body.parameters).toEqual({ image_url: 'https://img.example.com/0.png', label: 'cat', label_confidence: 0.6667 });
    const b = await getBatch(batchId);
    expect(b).toMatchObject({ status: 'completed', data_completed_count: 1, cost_cents: 30, spent_cents: 30, spent: '$0.30', refunded_cents: 0 });
    for (const w of workers.slice(0, 3)) expect(await walletCents(s, guildId, w)).toBe(10);
    expect(await walletCents(s, guildId, workers[3])).toBe(0);
    expect(await escrowCents(s, guildId)).toBe(0);
    expect((await claim(workers[3], taskId)).status).toBe(204);
    // the history keeps each answer
    const history = await s.http.get(`/api/data/${datumIds[0]}/history`).set('Authorization', owner.auth);
    expect(history.body.data.map((h: { parameters: object }) => h.parameters)).toEqual([{ label: 'cat' }, { label: 'dog' }, { label: 'cat' }]);
    // the Result (§13.1) carries the aggregate, its confidence and method, and every answer's value
    const results = await s.http.get(`/api/batches/${batchId}/results`).set('Authorization', owner.auth);
    expect(results.status).toBe(200);
    expect(results.body.data).toHaveLength(1);
    expect(results.body.data[0]).toMatchObject({ answer: 'cat', method: 'majority', answers_count: 3 });
    expect(results.body.data[0].confidence).toBeCloseTo(2 / 3, 10);
    expect(results.body.data[0].answers.map((x: { value: string }) => x.value)).toEqual(['cat', 'dog', 'cat']);
  });

  it('an unpaid batch is priced as paying would reserve: overlap.max answers per datum plus the gold share', async () => {
    const q = { answer: 'label', labels: ['a', 'b'], aggregation: 'majority', overlap: { min: 1, max: 4 }, gold_rate: 0.05 };
    const { guildId } = await setUp(q, 0, 3);
    const res = await s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ image_url: 'x' }, { image_url: 'y' }, { image_url: 'z' }] } });
    // 3 × 4 × 3 = 36, gold ceil(0.05 × 36) = ceil(1.8) = 2
    expect(res.body).toMatchObject({ cost_cents: 38, gold_cents: 0 });
    expect((await getBatch(res.body.id)).cost_cents).toBe(38);
    const list = await s.http.get('/api/batches').set('Authorization', owner.auth);
    expect(list.body.data.find((b: { id: string }) => b.id === res.body.id).cost_cents).toBe(38);
    const paid = await s.http.post(`/api/batches/${res.body.id}/debits`).set('Authorization', owner.auth);
    expect(paid.body.amount_cents).toBe(38);
    expect(await getBatch(res.body.id)).toMatchObject({ cost_cents: 38, gold_cents: 2, status: 'processing' });
    expect((await s.http.delete(`/api/batches/${res.body.id}`).set('Authorization', owner.auth)).status).toBe(200);
    expect(await getBatch(res.body.id)).toMatchObject({ status: 'canceled', spent_cents: 0, refunded_cents: 38 });
    expect(await escrowCents(s, guildId)).toBe(0);
  });

  it('adaptive overlap stops at the confidence and refunds the unused answers to the cent; the webhook fires once', async () => {
    const hook = await startReceiver();
    receivers.push(hook);
    // majority at 0.6: two agreeing answers (1.0) settle a datum; 2–5 answers reserved
    const q = { answer: 'label', labels: ['cat', 'dog', 'other'], aggregation: 'majority', overlap: { min: 2, max: 5, confidence: 0.6 } };
    const { guildId, taskId, workers } = await setUp(q, 5, 7);
    const before = await walletCents(s, guildId, owner);
    const batchId = await batch(guildId, 2, hook.url);
    // 2 data × 5 answers × 7 cents
    expect(await getBatch(batchId)).toMatchObject({ cost_cents: 70, spent_cents: 0, refunded_cents: 0 });
    expect(await walletCents(s, guildId, owner)).toBe(before);

    // datum A: cat, cat → done at 2 answers (refund 3 × 7 = 21)
    // datum B: cat, dog (tie, not confident) → a third slot; dog → 2/3 ≥ 0.6, done at 3 (refund 2 × 7 = 14)
    const a0 = await claim(workers[0], taskId);
    const a1 = await claim(workers[0], taskId);
    expect(a0.body.datum.id).not.toBe(a1.body.datum.id);
    const [dA, dB] = [a0.body.datum.id, a1.body.datum.id];
    const b0 = await claim(workers[1], taskId);
    const b1 = await claim(workers[1], taskId);
    expect([b0.body.datum.id, b1.body.datum.id]).toEqual([dA, dB]);
    // min = 2 slots per datum, all held: nothing for a third member yet
    expect((await claim(workers[2], taskId)).status).toBe(204);

    expect((await submit(workers[0], a0.body.id, { label: 'cat' })).status).toBe(200);
    expect((await submit(workers[1], b0.body.id, { label: 'cat' })).status).toBe(200);
    let b = await getBatch(batchId);
    expect(b).toMatchObject({ data_completed_count: 1, spent_cents: 14, refunded_cents: 21, refunded: '$0.21', status: 'processing' });
    expect(await walletCents(s, guildId, owner)).toBe(before + 21);
    expect((await s.http.get(`/api/data/${dA}`).set('Authorization', owner.auth)).body.parameters).toMatchObject({ label: 'cat', label_confidence: 1 });

    expect((await submit(workers[0], a1.body.id, { label: 'cat' })).status).toBe(200);
    expect((await submit(workers[1], b1.body.id, { label: 'dog' })).status).toBe(200);
    // the tie opened one more slot, for a member who has not had datum B
    expect((await claim(workers[0], taskId)).status).toBe(204);
    const c = await claim(workers[2], taskId);
    expect(c.status).toBe(201);
    expect(c.body.datum.id).toBe(dB);
    expect((await claim(workers[3], taskId)).status).toBe(204);
    expect(hook.requests).toHaveLength(0);
    expect((await submit(workers[2], c.body.id, { label: 'dog' })).status).toBe(200);

    b = await getBatch(batchId);
    expect(b).toMatchObject({ status: 'completed', data_completed_count: 2, cost_cents: 70, spent_cents: 35, refunded_cents: 35, gold_cents: 0 });
    expect(b.spent_cents + b.refunded_cents).toBe(b.cost_cents);
    expect(await walletCents(s, guildId, owner)).toBe(before + 35);
    expect(await walletCents(s, guildId, workers[0])).toBe(14);
    expect(await walletCents(s, guildId, workers[1])).toBe(14);
    expect(await walletCents(s, guildId, workers[2])).toBe(7);
    expect(await escrowCents(s, guildId)).toBe(0);
    expect((await s.http.get(`/api/data/${dB}`).set('Authorization', owner.auth)).body.parameters).toMatchObject({ label: 'dog', label_confidence: 0.6667 });
    // refunds are Guild Credits on the requester's wallet, tied to the batch
    const refunds = await s.sql<{ business_key: string; batch_id: string; kind: string }>(
      `SELECT business_key, batch_id::text, kind FROM ledger_transactions WHERE batch_id = $1 AND kind = 'refund' ORDER BY id`,
      [batchId],
    );
    expect(refunds.map((r) => r.business_key)).toEqual([expect.stringMatching(/^work:\d+:refund$/), expect.stringMatching(/^work:\d+:refund$/)]);

    // completion fired its webhook exactly once, with the final money
    await hook.waitFor(1);
    await sleep(500);
    expect(hook.requests).toHaveLength(1);
    const body = JSON.parse(hook.requests[0].body);
    expect(body).toMatchObject({ id: batchId, status: 'completed', spent_cents: 35, refunded_cents: 35, cost_cents: 70 });
  });

  it('the gold share is part of the cost and comes back at completion', async () => {
    const q = { answer: 'label', labels: ['yes', 'no'], aggregation: 'majority', overlap: { min: 1, max: 3, confidence: 0.9 }, gold_rate: 0.1 };
    const { guildId, taskId, workers } = await setUp(q, 1, 10);
    const batchId = await batch(guildId, 1);
    // the card may have been charged more than the cost (a minimum charge): count from after pay
    const before = await walletCents(s, guildId, owner);
    // 1 × 3 × 10 = 30, gold ceil(0.1 × 30) = 3
    expect(await getBatch(batchId)).toMatchObject({ cost_cents: 33, gold_cents: 3, gold: '$0.03' });
    const a = await claim(workers[0], taskId);
    // one answer is a share of 1.0 ≥ 0.9 and min is 1: done
    expect((await submit(workers[0], a.body.id, { label: 'yes' })).status).toBe(200);
    const b = await getBatch(batchId);
    expect(b).toMatchObject({ status: 'completed', spent_cents: 10, refunded_cents: 23 });
    expect(await walletCents(s, guildId, owner)).toBe(before + 23);
    expect(await escrowCents(s, guildId)).toBe(0);
  });

  it('a value outside labels, or no answer, is a 422 and changes nothing', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], overlap: { min: 1, max: 2 } };
    const { guildId, taskId, workers } = await setUp(q, 1);
    const batchId = await batch(guildId, 1);
    const a = await claim(workers[0], taskId);
    for (const parameters of [{ label: 'Cat' }, { label: 'bird' }, { other: 'cat' }, { label: 1 }]) {
      const res = await submit(workers[0], a.body.id, parameters);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ type: 'InvalidParameters', details: [{ field: 'parameters.label' }] });
    }
    expect(await walletCents(s, guildId, workers[0])).toBe(0);
    expect((await s.http.get(`/api/assignments/${a.body.id}`).set('Authorization', workers[0].auth)).body.status).toBe('claimed');
    expect(await getBatch(batchId)).toMatchObject({ spent_cents: 0, refunded_cents: 0 });
    // dawid_skene (the default with labels) with the default confusion: one answer is 0.7 < 0.95, the second agreeing one decides at max
    expect((await submit(workers[0], a.body.id, { label: 'dog' })).status).toBe(200);
    expect(await walletCents(s, guildId, workers[0])).toBe(10);
  });

  it('release and a lapsed lease let the same member claim the datum again; a late submit is a 410', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', overlap: { min: 2, max: 2 } };
    const { guildId, taskId, workers } = await setUp(q, 2);
    const batchId = await batch(guildId, 1);
    const a = await claim(workers[0], taskId);
    expect((await claim(workers[0], taskId)).status).toBe(204);
    expect((await s.http.post(`/api/assignments/${a.body.id}/release`).set('Authorization', workers[0].auth)).status).toBe(200);
    const again = await claim(workers[0], taskId);
    expect(again.status).toBe(201);
    expect(again.body.datum.id).toBe(a.body.datum.id);
    expect((await claim(workers[0], taskId)).status).toBe(204);

    // the lease lapses (moved into the past by the database clock, as in test/work.e2e-spec.ts)
    await s.sql(
      `WITH a AS (UPDATE assignments SET expires = now() - interval '1 second' WHERE id = $1 RETURNING id)
       UPDATE answer_slots SET lease_expires_at = now() - interval '1 second' WHERE assignment_id IN (SELECT id FROM a)`,
      [again.body.id],
    );
    await s.sql(`UPDATE work_item_members SET lease_expires_at = now() - interval '1 second' WHERE member_id = $1`, [workers[0].memberId]);
    const third = await claim(workers[0], taskId);
    expect(third.status).toBe(201);
    expect(third.body.datum.id).toBe(a.body.datum.id);
    expect((await submit(workers[0], again.body.id, { label: 'cat' })).status).toBe(410);

    const other = await claim(workers[1], taskId);
    expect(other.status).toBe(201);
    expect((await submit(workers[1], other.body.id, { label: 'cat' })).status).toBe(200);
    expect((await submit(workers[0], third.body.id, { label: 'cat' })).status).toBe(200);
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', spent_cents: 20, refunded_cents: 0 });
    expect(await walletCents(s, guildId, workers[0])).toBe(10);
  });

  it('concurrent claims never give one member the same datum twice at a task', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', overlap: { min: 3, max: 3 } };
    const { taskId, workers } = await setUp(q, 4);
    await batch((await s.http.get(`/api/tasks/${taskId}`).set('Authorization', owner.auth)).body.guild_id, 3);
    // every member fires 6 claims at once (on separate connections): 3 data × 3 slots, 4 members
    const results = await Promise.all(workers.flatMap((w) => Array.from({ length: 6 }, () => claim(w, taskId).then((r) => ({ w, r })))));
    const got = results.filter((x) => x.r.status === 201);
    expect(results.every((x) => x.r.status === 201 || x.r.status === 204)).toBe(true);
    // a claim that found the free slots locked by the others' claims skipped them (SKIP LOCKED):
    // each member then claims one by one until nothing is left for them
    for (const w of workers) {
      for (;;) {
        const r = await claim(w, taskId);
        if (r.status === 204) break;
        expect(r.status).toBe(201);
        got.push({ w, r });
      }
    }
    const pairs = got.map((x) => `${x.w.memberId}:${x.r.body.datum.id}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    // each member holds at most one slot of each datum, and no datum is handed out more than its 3 slots
    const perDatum = new Map<string, number>();
    for (const x of got) perDatum.set(x.r.body.datum.id, (perDatum.get(x.r.body.datum.id) ?? 0) + 1);
    expect([...perDatum.values()].every((n) => n <= 3)).toBe(true);
    // the 9 slots are all taken: three data, three distinct members each
    expect(got).toHaveLength(9);
    for (const x of got) expect((await submit(x.w, x.r.body.id, { label: 'cat' })).status).toBe(200);
  });

  it("the Dawid–Skene refresh fits the members' matrices and the task's priors as answers arrive (B.7)", async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], overlap: { min: 2, max: 2 } };
    const { guildId, taskId, workers } = await setUp(q, 2);
    await batch(guildId, 4);
    // member 0 says cat every time, member 1 says cat then dog on the last datum
    for (let i = 0; i < 4; i++) {
      for (const [k, w] of workers.entries()) {
        const a = await claim(w, taskId);
        expect(a.status).toBe(201);
        expect((await submit(w, a.body.id, { label: k === 1 && i === 3 ? 'dog' : 'cat' })).status).toBe(200);
      }
    }
    const skills = await eventually(async () => {
      const rows = await s.sql<{ member_id: string; confusion: number[][]; answers: number }>(
        'SELECT member_id::text, confusion, answers FROM member_task_skills WHERE task_id = $1 ORDER BY member_id',
        [taskId],
      );
      return rows.length === 2 && rows.every((r) => r.answers === 4) ? rows : undefined;
    });
    expect(skills.map((r) => r.member_id)).toEqual(workers.map((w) => w.memberId).sort((a, b) => Number(a) - Number(b)));
    for (const r of skills) {
      expect(r.confusion).toHaveLength(2);
      for (const row of r.confusion) expect(row[0] + row[1]).toBeCloseTo(1, 9);
    }
    const [model] = await s.sql<{ priors: number[]; answers_seen: string }>('SELECT priors, answers_seen::text FROM task_models WHERE task_id = $1', [taskId]);
    expect(model.priors[0]).toBeGreaterThan(model.priors[1]);
    expect(model.answers_seen).toBe('8');
  });

  it('a task without a quality object still gives one answer per datum and merges the parameters (§7)', async () => {
    const { guildId, taskId, workers } = await setUp(null, 2);
    const batchId = await batch(guildId, 1);
    const a = await claim(workers[0], taskId);
    expect((await claim(workers[1], taskId)).status).toBe(204);
    expect((await submit(workers[0], a.body.id, { label: 'anything', note: 'x' })).status).toBe(200);
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', cost_cents: 10, spent_cents: 10, refunded_cents: 0, gold_cents: 0 });
    expect((await s.http.get(`/api/data/${a.body.datum.id}`).set('Authorization', owner.auth)).body.parameters).toMatchObject({ label: 'anything', note: 'x' });
  });

  it('canceling a batch mid-collection refunds what is neither paid nor held; a held claim is still paid', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', overlap: { min: 2, max: 4, confidence: 0.9 } };
    const { guildId, taskId, workers } = await setUp(q, 2, 5);
    const batchId = await batch(guildId, 1);
    const before = await walletCents(s, guildId, owner);
    const a = await claim(workers[0], taskId);
    const b = await claim(workers[1], taskId);
    expect((await submit(workers[0], a.body.id, { label: 'cat' })).status).toBe(200);
    expect((await s.http.delete(`/api/batches/${batchId}`).set('Authorization', owner.auth)).status).toBe(200);
    // 4 reserved: 1 paid, 1 held by a live claim, 2 back now
    expect(await walletCents(s, guildId, owner)).toBe(before + 10);
    expect((await submit(workers[1], b.body.id, { label: 'dog' })).status).toBe(200);
    expect(await walletCents(s, guildId, workers[1])).toBe(5);
    expect(await escrowCents(s, guildId)).toBe(0);
    expect(await getBatch(batchId)).toMatchObject({ status: 'canceled', cost_cents: 20, spent_cents: 10, refunded_cents: 10 });
  });
});
