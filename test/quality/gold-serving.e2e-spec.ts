import { expectLedgerInvariant } from '../support/ledger';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';
import { escrowCents, giveCard, walletCents } from '../support/work-fixtures';
import { startTestServer, TestServer } from '../support/server';
import { eventually } from '../support/webhook-receiver';

/**
 * Gold serving, qualification, min_quality and skills (API.md §11.2–§11.4, §11.6), through HTTP:
 * gold comes as ordinary assignments, never twice to one member, is paid from the batch's gold
 * share (then its reservation), a wrong one is rejected when the task says so, the qualification
 * and min_quality 403s give the figure, and the WorkerSkill list and quality_score follow.
 */
describe('gold serving, qualification and skills (API.md §11.2–§11.4)', () => {
  let s: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    s = await startTestServer({ leaseSweepIntervalMs: 3_600_000, qualityRefreshEveryAnswers: 1 });
    owner = await registerUser(s.http);
    await giveCard(s, owner);
  });
  afterEach(() => expectLedgerInvariant(s));
  afterAll(() => s.close());

  type Worker = TestUser & { memberId: string };
  interface Setup {
    guildId: string;
    taskId: string;
    workers: Worker[];
  }
  interface Assignment {
    id: string;
    datum: { id: string; parameters: { image_url: string } };
    reward_cents: number;
  }

  async function setUp(quality: object, workers: number, reward = 10, taskFields: object = {}): Promise<Setup> {
    const guild = await s.http
      .post('/api/guilds')
      .set('Authorization', owner.auth)
      .send({ name: 'Gold', description: 'gold', input_parameters: ['image_url'] });
    expect(guild.status).toBe(201);
    const task = await s.http
      .post(`/api/guilds/${guild.body.id}/tasks`)
      .set('Authorization', owner.auth)
      .send({ name: 'Label', minimum_amount_cents: reward, quality, ...taskFields });
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

  let goldSeq = 0;
  /** Gold items whose image_url starts with `gold/` (each unique), so the test (not the worker) can tell them apart. */
  async function addGold(taskId: string, answers: string[]): Promise<Array<{ id: string; parameters: { image_url: string }; answer: string }>> {
    const res = await s.http
      .post(`/api/tasks/${taskId}/gold`)
      .set('Authorization', owner.auth)
      .send({ data: answers.map((answer) => ({ parameters: { image_url: `gold/${goldSeq++}` }, answer })) });
    expect(res.status).toBe(201);
    return res.body.data;
  }

  async function batch(guildId: string, n: number): Promise<{ id: string; dataIds: string[] }> {
    const data = Array.from({ length: n }, (_, i) => ({ image_url: `https://img.example.com/${i}.png` }));
    const res = await s.http.post(`/api/guilds/${guildId}/batches`).set('Authorization', owner.auth).send({ batch: { data } });
    expect(res.status).toBe(201);
    const paid = await s.http.post(`/api/batches/${res.body.id}/debits`).set('Authorization', owner.auth);
    expect(paid.status).toBe(201);
    const d = await s.http.get(`/api/batches/${res.body.id}/data`).set('Authorization', owner.auth);
    return { id: res.body.id, dataIds: d.body.data.map((x: { id: string }) => x.id) };
  }

  const claim = (w: TestUser, taskId: string) => s.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
  const submit = (w: TestUser, assignmentId: string, parameters: object) =>
    s.http.post(`/api/assignments/${assignmentId}/submit`).set('Authorization', w.auth).send({ parameters });
  const getBatch = async (id: string) => (await s.http.get(`/api/batches/${id}`).set('Authorization', owner.auth)).body;
  const isGold = (a: Assignment) => a.datum.parameters.image_url.startsWith('gold/');
  const workersOf = async (taskId: string) => {
    const res = await s.http.get(`/api/tasks/${taskId}/workers`).set('Authorization', owner.auth);
    expect(res.status).toBe(200);
    return res.body;
  };
  const member = async (guildId: string, memberId: string) =>
    (await s.http.get(`/api/guilds/${guildId}/members/${memberId}`).set('Authorization', owner.auth)).body;
  const answerOf = (gold: Array<{ parameters: { image_url: string }; answer: string }>, a: Assignment) =>
    gold.find((g) => g.parameters.image_url === a.datum.parameters.image_url)!.answer;
  /** Shapes without values: what a worker could compare between two assignments. */
  const shape = (v: unknown): unknown =>
    v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'parameters' ? 'object' : shape(x)])) : typeof v;

  it('qualification: the first claims are gold, as ordinary assignments; 3 of 5 right fails for good with the figure; wrong gold is rejected unpaid', async () => {
    const q = {
      answer: 'label',
      labels: ['cat', 'dog'],
      aggregation: 'majority',
      gold_rate: 0.5,
      qualification: { gold: 5, min_accuracy: 0.8 },
      auto_reject: ['gold_mismatch'],
    };
    const { guildId, taskId, workers } = await setUp(q, 2);
    const [a, b] = workers;
    const gold = await addGold(taskId, ['cat', 'dog', 'cat', 'dog', 'cat', 'dog']);
    // 20 data × 1 × 10 = 200, gold ceil(0.5 × 200) = 100: ten gold answers
    const { id: batchId, dataIds } = await batch(guildId, 20);
    expect(await getBatch(batchId)).toMatchObject({ cost_cents: 300, gold_cents: 100 });

    // member a: five gold claims in a row, each a fresh datum id, never the same item twice
    const served: Assignment[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await claim(a, taskId);
      expect(c.status).toBe(201);
      served.push(c.body);
      expect(isGold(c.body)).toBe(true);
      // same reward as real work; answered 3 right, 2 wrong
      expect(c.body.reward_cents).toBe(10);
      const right = answerOf(gold, c.body);
      const given = i < 3 ? right : right === 'cat' ? 'dog' : 'cat';
      const sub = await submit(a, c.body.id, { label: given });
      expect(sub.status).toBe(200);
      expect(sub.body.status).toBe('submitted');
    }
    expect(new Set(served.map((x) => x.datum.parameters.image_url)).size).toBe(5);
    const ids = served.map((x) => BigInt(x.datum.id));
    expect(new Set(ids).size).toBe(5);
    // ids from the data sequence, after the batch's data: nothing sets them apart
    for (const id of ids) expect(id > BigInt(dataIds[dataIds.length - 1])).toBe(true);

    const refused = await claim(a, taskId);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      type: 'Forbidden',
      status: 403,
      error: 'not qualified for this task: 3 of 5 control answers right (60%), 80% needed',
    });
    // final: a new batch and new gold change nothing
    gold.push(...(await addGold(taskId, ['cat'])));
    expect((await claim(a, taskId)).body.error).toBe('not qualified for this task: 3 of 5 control answers right (60%), 80% needed');
    // the two wrong answers were rejected before payment: 3 × 10 paid
    expect(await walletCents(s, guildId, a)).toBe(30);
    // each rejection keeps its reason and evidence on the answer (shown by the review work's Submission, §12.3)
    const rejections = await s.sql<{ reject_reason: string; evidence: { gold_id: string; expected: string; given: string }; assignment_id: string }>(
      `SELECT an.reject_reason, an.evidence, an.assignment_id::text FROM answers an WHERE an.status = 'rejected' AND an.member_id = $1 ORDER BY an.id`,
      [a.memberId],
    );
    expect(rejections.map((r) => r.assignment_id)).toEqual([served[3].id, served[4].id]);
    for (const [i, r] of rejections.entries()) {
      const g = gold.find((x) => x.parameters.image_url === served[3 + i].datum.parameters.image_url)!;
      expect(r).toMatchObject({ reject_reason: 'gold_mismatch', evidence: { gold_id: g.id, expected: g.answer, given: g.answer === 'cat' ? 'dog' : 'cat' } });
    }
    // …and the member sees both as rejected Submissions with that evidence (§12.1, §12.3), newest first
    const mine = await s.http.get('/api/me/submissions?status=rejected').set('Authorization', a.auth);
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((x: { assignment_id: string }) => x.assignment_id)).toEqual([served[4].id, served[3].id]);
    for (const x of mine.body.data as Array<Record<string, unknown>>) {
      const r = rejections.find((y) => y.assignment_id === x.assignment_id)!;
      expect(x).toMatchObject({ object: 'Submission', status: 'rejected', reject_reason: 'gold_mismatch', evidence: r.evidence });
    }

    // member b: five right gold answers, then real work of the batch, with the same shape
    const bGold: string[] = [];
    let real: Assignment | undefined;
    for (let i = 0; i < 12 && !real; i++) {
      const c = await claim(b, taskId);
      expect(c.status).toBe(201);
      if (isGold(c.body)) {
        bGold.push(c.body.datum.parameters.image_url);
        expect((await submit(b, c.body.id, { label: answerOf(gold, c.body) })).status).toBe(200);
      } else {
        expect(bGold.length).toBeGreaterThanOrEqual(5);
        real = c.body;
      }
    }
    expect(real).toBeDefined();
    expect(dataIds).toContain(real!.datum.id);
    expect(shape(real)).toEqual(shape(served[0]));
    expect(new Set(bGold).size).toBe(bGold.length);
    expect((await submit(b, real!.id, { label: 'cat' })).status).toBe(200);

    // the Gold objects count their answers: 5 by a, bGold.length by b; a was wrong twice
    const list = await s.http.get(`/api/tasks/${taskId}/gold`).set('Authorization', owner.auth);
    const answered = list.body.data.reduce((n: number, g: { answers_count: number }) => n + g.answers_count, 0);
    expect(answered).toBe(5 + bGold.length);
    const wrong = list.body.data.filter((g: { accuracy: number | null }) => g.accuracy !== null && g.accuracy < 1);
    expect(wrong.length).toBeGreaterThanOrEqual(1);

    // gold is outside the batch's progress: one datum answered
    const bt = await getBatch(batchId);
    expect(bt.data_completed_count).toBe(1);
    // spent: a's 3 gold + b's gold + b's real answer; the two rejected rewards came back at once
    expect(bt.spent_cents).toBe(10 * (3 + bGold.length + 1));
    expect(bt.refunded_cents).toBe(20);

    // skills: a 60 %, not qualified; b right on every control answer
    const skills = await workersOf(taskId);
    expect(skills).toMatchObject({ object: 'List', url: `/api/tasks/${taskId}/workers`, has_more: false, page: 1 });
    const ra = skills.data.find((x: { member_id: string }) => x.member_id === a.memberId);
    const rb = skills.data.find((x: { member_id: string }) => x.member_id === b.memberId);
    expect(ra).toMatchObject({
      object: 'WorkerSkill',
      id: a.memberId,
      answers: 5,
      gold_answers: 5,
      gold_right: 3,
      accuracy: 0.6,
      qualified: false,
      blocked: false,
    });
    expect(typeof ra.median_seconds).toBe('number');
    expect(rb).toMatchObject({ answers: bGold.length + 1, gold_answers: bGold.length, gold_right: bGold.length, accuracy: 1, qualified: true, blocked: false });
    // newest member first
    expect(skills.data.map((x: { member_id: string }) => x.member_id)).toEqual([b.memberId, a.memberId]);
    expect((await member(guildId, a.memberId)).quality_score).toBe(0.6);
    expect((await member(guildId, b.memberId)).quality_score).toBe(1);

    // a block (§12.4) shows on the list; lifting it clears it
    const blockPath = `/api/guilds/${guildId}/members/${a.memberId}/block`;
    expect((await s.http.post(blockPath).set('Authorization', owner.auth).send({ reason: 'too many wrong control answers' })).status).toBe(200);
    expect((await workersOf(taskId)).data.find((x: { member_id: string }) => x.member_id === a.memberId).blocked).toBe(true);
    expect((await s.http.delete(blockPath).set('Authorization', owner.auth)).status).toBe(200);
    expect((await workersOf(taskId)).data.find((x: { member_id: string }) => x.member_id === a.memberId).blocked).toBe(false);

    // owner only; the list conventions of §1.1
    expect((await s.http.get(`/api/tasks/${taskId}/workers`).set('Authorization', a.auth)).status).toBe(403);
    expect((await s.http.get(`/api/tasks/${taskId}/workers?limit=0`).set('Authorization', owner.auth)).status).toBe(422);
    const page = await s.http.get(`/api/tasks/${taskId}/workers?limit=1`).set('Authorization', owner.auth);
    expect(page.body).toMatchObject({ has_more: true, page: 1 });
    expect(page.body.data).toHaveLength(1);
  });

  it("no real work open: a claim is a 204, gold or not; gold never reaches a batch's data, results or progress", async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', gold_rate: 0.5, qualification: { gold: 2, min_accuracy: 0.5 } };
    const { guildId, taskId, workers } = await setUp(q, 1);
    await addGold(taskId, ['cat', 'dog', 'cat']);
    expect((await claim(workers[0], taskId)).status).toBe(204);
    // 4 data × 10 = 40, gold ceil(0.5 × 40) = 20: two gold answers from the share
    const { id: batchId } = await batch(guildId, 4);
    const first = await claim(workers[0], taskId);
    expect(first.status).toBe(201);
    expect(isGold(first.body)).toBe(true);
    expect((await submit(workers[0], first.body.id, { label: answerOf(await goldOf(taskId), first.body) })).status).toBe(200);
    // the second qualification answer, from the second gold slot
    const second = await claim(workers[0], taskId);
    expect(isGold(second.body)).toBe(true);
    expect((await submit(workers[0], second.body.id, { label: 'cat' })).status).toBe(200);
    // the batch's data and results know nothing of it
    const data = await s.http.get(`/api/batches/${batchId}/data`).set('Authorization', owner.auth);
    expect(data.body.data).toHaveLength(4);
    expect(data.body.data.every((d: { parameters: { image_url: string } }) => !d.parameters.image_url.startsWith('gold/'))).toBe(true);
    const results = await s.http.get(`/api/batches/${batchId}/results`).set('Authorization', owner.auth);
    expect(results.body.data).toHaveLength(4);
    expect(await getBatch(batchId)).toMatchObject({ data_completed_count: 0, spent_cents: 20, status: 'processing' });
    // the owner cannot read a gold datum as a datum of theirs
    expect((await s.http.get(`/api/data/${first.body.datum.id}`).set('Authorization', owner.auth)).status).toBe(404);
  });

  async function goldOf(taskId: string) {
    return (await s.http.get(`/api/tasks/${taskId}/gold`).set('Authorization', owner.auth)).body.data;
  }

  it("the gold share spent, a gold answer is paid from the batch's reservation; with none spare a member still qualifying gets 204", async () => {
    // gold_rate 0: no share at all; overlap up to 3 leaves spare reservation below max
    const q = {
      answer: 'label',
      labels: ['cat', 'dog'],
      aggregation: 'majority',
      overlap: { min: 1, max: 3, confidence: 0.9 },
      qualification: { gold: 1, min_accuracy: 1 },
    };
    const { guildId, taskId, workers } = await setUp(q, 2);
    const gold = await addGold(taskId, ['dog']);
    const { id: batchId } = await batch(guildId, 1);
    expect(await getBatch(batchId)).toMatchObject({ cost_cents: 30, gold_cents: 0 });
    const g = await claim(workers[0], taskId);
    expect(g.status).toBe(201);
    expect(isGold(g.body)).toBe(true);
    expect((await submit(workers[0], g.body.id, { label: answerOf(gold, g.body) })).status).toBe(200);
    expect(await walletCents(s, guildId, workers[0])).toBe(10);
    // qualified: real work; one confident answer finishes the datum; the reservation left (3 − 1 gold − 1) comes back
    const r = await claim(workers[0], taskId);
    expect(isGold(r.body)).toBe(false);
    expect((await submit(workers[0], r.body.id, { label: 'cat' })).status).toBe(200);
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', data_completed_count: 1, spent_cents: 20, refunded_cents: 10 });
    expect(await escrowCents(s, guildId)).toBe(0);

    // fixed overlap 1, no share: nothing can pay a gold answer; the qualifying member waits (204), real work stays open
    const fixed = await setUp({ ...q, overlap: { min: 1, max: 1 } }, 1);
    await addGold(fixed.taskId, ['cat']);
    await batch(fixed.guildId, 2);
    expect((await claim(fixed.workers[0], fixed.taskId)).status).toBe(204);
  });

  it('a released gold claim is refunded and the item never served again; a wrong answer without auto_reject is paid', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', gold_rate: 0.5, qualification: { gold: 2, min_accuracy: 0 } };
    const { guildId, taskId, workers } = await setUp(q, 1);
    const w = workers[0];
    const gold = await addGold(taskId, ['cat', 'dog', 'cat']);
    const { id: batchId } = await batch(guildId, 4); // 40 + gold 20: two gold answers from the share
    const g1 = await claim(w, taskId);
    expect(isGold(g1.body)).toBe(true);
    const rel = await s.http.post(`/api/assignments/${g1.body.id}/release`).set('Authorization', w.auth);
    expect(rel.status).toBe(200);
    expect(await getBatch(batchId)).toMatchObject({ refunded_cents: 10 });
    const g2 = await claim(w, taskId);
    expect(isGold(g2.body)).toBe(true);
    expect(g2.body.datum.parameters.image_url).not.toBe(g1.body.datum.parameters.image_url);
    const right = answerOf(gold, g2.body);
    expect((await submit(w, g2.body.id, { label: right === 'cat' ? 'dog' : 'cat' })).status).toBe(200);
    // no auto_reject: paid
    expect(await walletCents(s, guildId, w)).toBe(10);
    // the share is used up (two servings); the third gold item would need spare reservation (max 1: none)
    // while qualifying: 204, real work stays for others
    expect((await claim(w, taskId)).status).toBe(204);
  });

  it('min_quality: once 5 answers are scored, a skill below it is a 403 with the figure', async () => {
    const q = {
      answer: 'label',
      labels: ['cat', 'dog'],
      aggregation: 'majority',
      gold_rate: 0.5,
      qualification: { gold: 5, min_accuracy: 0 },
      min_quality: 0.7,
    };
    const { guildId, taskId, workers } = await setUp(q, 1);
    const w = workers[0];
    const gold = await addGold(taskId, ['cat', 'dog', 'cat', 'dog', 'cat', 'dog']);
    await batch(guildId, 20);
    for (let i = 0; i < 5; i++) {
      const c = await claim(w, taskId);
      expect(isGold(c.body)).toBe(true);
      const right = answerOf(gold, c.body);
      expect((await submit(w, c.body.id, { label: i < 3 ? right : right === 'cat' ? 'dog' : 'cat' })).status).toBe(200);
    }
    const refused = await claim(w, taskId);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('not qualified for this task: skill 60% over 5 scored answers, 70% needed');
    expect((await member(guildId, w.memberId)).quality_score).toBe(0.6);
    // the owner lowers min_quality: the member claims again (it applies from the moment it changes)
    const patched = await s.http
      .patch(`/api/tasks/${taskId}`)
      .set('Authorization', owner.auth)
      .send({ quality: { ...q, min_quality: 0.5 } });
    expect(patched.status).toBe(200);
    expect((await claim(w, taskId)).status).toBe(201);
  });

  it('dawid_skene: the refresh job takes gold as truth and its skill reaches the WorkerSkill list and quality_score', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'dawid_skene', gold_rate: 0.5, qualification: { gold: 2, min_accuracy: 0.5 } };
    const { guildId, taskId, workers } = await setUp(q, 2);
    const gold = await addGold(taskId, ['cat', 'dog', 'cat', 'dog']);
    await batch(guildId, 10);
    // both qualify (one right of two and two of two), then each answers real data: a always "cat"
    for (const [i, w] of workers.entries()) {
      for (let k = 0; k < 2; k++) {
        const c = await claim(w, taskId);
        expect(isGold(c.body)).toBe(true);
        const right = answerOf(gold, c.body);
        const given = i === 0 && k === 1 ? (right === 'cat' ? 'dog' : 'cat') : right;
        expect((await submit(w, c.body.id, { label: given })).status).toBe(200);
      }
    }
    // the model has fitted both (the refresh runs after every answer here): accuracy is the model's, not 0.5 / 1 exactly
    const fitted = await eventually(async () => {
      const list = await workersOf(taskId);
      const a = list.data.find((x: { member_id: string }) => x.member_id === workers[0].memberId);
      const b = list.data.find((x: { member_id: string }) => x.member_id === workers[1].memberId);
      return a && b && a.accuracy !== 0.5 && b.accuracy !== 1 ? { a, b } : undefined;
    });
    expect(fitted.a.accuracy).toBeLessThan(fitted.b.accuracy);
    expect(fitted.a.accuracy).toBeGreaterThan(0);
    expect(fitted.b.accuracy).toBeLessThan(1);
    const score = await eventually(async () => {
      const m = await member(guildId, workers[0].memberId);
      return m.quality_score !== 0.5 ? m.quality_score : undefined;
    });
    expect(score).toBeCloseTo(fitted.a.accuracy, 1);
  });

  it('a gold claim live when its batch is canceled or completes keeps its reward: paid at its submit, every other cent back', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', gold_rate: 0.5, qualification: { gold: 1, min_accuracy: 0 } };
    const { guildId, taskId, workers } = await setUp(q, 2);
    const [x, y] = workers;
    await addGold(taskId, ['cat', 'dog', 'cat']);

    // canceled: 2 data × 10 + gold 10; x holds a gold claim, the owner cancels, x submits and is paid
    const first = await batch(guildId, 2);
    const g = await claim(x, taskId);
    expect(isGold(g.body)).toBe(true);
    expect((await s.http.delete(`/api/batches/${first.id}`).set('Authorization', owner.auth)).status).toBe(200);
    expect(await escrowCents(s, guildId)).toBe(10);
    expect((await submit(x, g.body.id, { label: 'dog' })).status).toBe(200);
    expect(await walletCents(s, guildId, x)).toBe(10);
    expect(await escrowCents(s, guildId)).toBe(0);
    await expectLedgerInvariant(s);

    // completed: y qualifies with one gold answer; then holds a second gold claim while x does the real data
    const second = await batch(guildId, 2); // 20 + gold 10: one share slot
    const gy = await claim(y, taskId);
    expect(isGold(gy.body)).toBe(true);
    // x: qualified already; every real datum answered (the share is taken: x gets real work)
    for (let i = 0; i < 2; i++) {
      const c = await claim(x, taskId);
      expect(isGold(c.body)).toBe(false);
      expect((await submit(x, c.body.id, { label: 'cat' })).status).toBe(200);
    }
    expect(await getBatch(second.id)).toMatchObject({ status: 'completed', data_completed_count: 2 });
    // the gold claim still holds its reward in escrow
    expect(await escrowCents(s, guildId)).toBe(10);
    await expectLedgerInvariant(s);
    expect((await submit(y, gy.body.id, { label: 'cat' })).status).toBe(200);
    expect(await escrowCents(s, guildId)).toBe(0);
    expect(await getBatch(second.id)).toMatchObject({ spent_cents: 30, refunded_cents: 0 });
  });

  it('a lapsed gold claim (late submit: 410) and one of a removed member are refunded at once', async () => {
    const q = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', gold_rate: 0.5, qualification: { gold: 2, min_accuracy: 0 } };
    const { guildId, taskId, workers } = await setUp(q, 2, 10, { lease_seconds: 1 });
    await addGold(taskId, ['cat', 'dog', 'cat', 'dog']);
    const { id: batchId } = await batch(guildId, 8); // 80 + gold 40: four gold answers
    const g = await claim(workers[0], taskId);
    expect(isGold(g.body)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_200));
    const late = await submit(workers[0], g.body.id, { label: 'cat' });
    expect(late.status).toBe(410);
    expect(await walletCents(s, guildId, workers[0])).toBe(0);
    expect(await getBatch(batchId)).toMatchObject({ refunded_cents: 10, spent_cents: 0 });
    await expectLedgerInvariant(s);

    const h = await claim(workers[1], taskId);
    expect(isGold(h.body)).toBe(true);
    expect((await s.http.delete(`/api/guilds/${guildId}/members/${workers[1].memberId}`).set('Authorization', owner.auth)).status).toBe(200);
    expect(await getBatch(batchId)).toMatchObject({ refunded_cents: 20, spent_cents: 0 });
    // the batch still holds its 8 data and the rest of the share: 80 + 40 − 20
    expect(await escrowCents(s, guildId)).toBe(100);
  });
});
