import { expectLedgerInvariant } from '../support/ledger';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';
import { escrowCents, giveCard, walletCents } from '../support/work-fixtures';
import { startTestServer, TestServer } from '../support/server';
import { eventually } from '../support/webhook-receiver';

/**
 * Review (API.md §12.1–§12.3, §11.6): submissions for every submit, manual review with pending
 * rewards, approve / reject / bulk approve, auto-approval on the queue, consensus auto-rejection,
 * appeals — all through HTTP, the ledger invariant after each test.
 */
describe('review: submissions, approval, rejection, appeals (API.md §12)', () => {
  let s: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    s = await startTestServer({ leaseSweepIntervalMs: 3_600_000 });
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

  async function setUp(quality: object | null, workers: number, reward = 10): Promise<Setup> {
    const guild = await s.http
      .post('/api/guilds')
      .set('Authorization', owner.auth)
      .send({ name: 'Review', description: 'review', input_parameters: ['image_url'] });
    expect(guild.status).toBe(201);
    const task = await s.http
      .post(`/api/guilds/${guild.body.id}/tasks`)
      .set('Authorization', owner.auth)
      .send({ name: 'Label', minimum_amount_cents: reward, ...(quality ? { quality } : {}) });
    expect(task.status).toBe(201);
    const list: Worker[] = [];
    for (let i = 0; i < workers; i++) {
      const w = await registerUser(s.http);
      const member = await addMember(s.http, owner, guild.body.id, w);
      await subscribe(s.http, w, task.body.id);
      list.push({ ...w, memberId: member.id as string });
    }
    return { guildId: guild.body.id, taskId: task.body.id, workers: list };
  }

  async function batch(guildId: string, n: number): Promise<string> {
    const data = Array.from({ length: n }, (_, i) => ({ image_url: `https://img.example.com/${i}.png` }));
    const res = await s.http.post(`/api/guilds/${guildId}/batches`).set('Authorization', owner.auth).send({ batch: { data } });
    expect(res.status).toBe(201);
    expect((await s.http.post(`/api/batches/${res.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    return res.body.id;
  }

  const claim = (w: TestUser, taskId: string) => s.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
  const submit = (w: TestUser, assignmentId: string, parameters: object) =>
    s.http.post(`/api/assignments/${assignmentId}/submit`).set('Authorization', w.auth).send({ parameters });
  const getBatch = async (id: string) => (await s.http.get(`/api/batches/${id}`).set('Authorization', owner.auth)).body;
  const getSub = (who: TestUser, id: string) => s.http.get(`/api/submissions/${id}`).set('Authorization', who.auth);
  const approve = (id: string) => s.http.post(`/api/submissions/${id}/approve`).set('Authorization', owner.auth);
  const reject = (id: string, body: object = { reason: 'incorrect', message: 'It is a dog, not a cat.' }) =>
    s.http.post(`/api/submissions/${id}/reject`).set('Authorization', owner.auth).send(body);
  const appeal = (w: TestUser, id: string, message = 'Please look again: it is a cat.') =>
    s.http.post(`/api/submissions/${id}/appeal`).set('Authorization', w.auth).send({ message });
  const wallet = async (w: TestUser, guildId: string) => {
    const res = await s.http.get('/api/wallets').set('Authorization', w.auth);
    return res.body.data.find((x: { guild_id: string }) => x.guild_id === guildId);
  };
  /** claim + submit; returns the submission id the Assignment links */
  async function answer(w: TestUser, taskId: string, parameters: object): Promise<{ submissionId: string; datumId: string }> {
    const c = await claim(w, taskId);
    expect(c.status).toBe(201);
    const r = await submit(w, c.body.id, parameters);
    expect(r.status).toBe(200);
    const a = await s.http.get(`/api/assignments/${c.body.id}`).set('Authorization', w.auth);
    expect(a.body.submission_id).toEqual(expect.any(String));
    return { submissionId: a.body.submission_id, datumId: c.body.datum.id };
  }
  const rewardTxCount = async (submissionId: string) =>
    (await s.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transactions WHERE business_key = $1`, [`submission:${submissionId}:reward`]))[0].n;

  const manual = (extra: object = {}) => ({ answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', review: { mode: 'manual' }, ...extra });

  // ------------------------------------------------------------------ §12.1

  it('every submit of a §7 task is a Submission: linked from the Assignment, approved, readable by owner and member only, listed in order', async () => {
    const { guildId, taskId, workers } = await setUp(null, 2, 7);
    await batch(guildId, 3);
    const c1 = await claim(workers[0], taskId);
    const r1 = await submit(workers[0], c1.body.id, { tag: 'one' });
    expect(r1.status).toBe(200);
    expect(r1.body.submission_id).toEqual(expect.any(String));
    const first = await answer(workers[1], taskId, { tag: 'two' });
    const third = await answer(workers[0], taskId, { tag: 'three' });

    const sub = await getSub(owner, r1.body.submission_id);
    expect(sub.status).toBe(200);
    expect(sub.body).toMatchObject({
      object: 'Submission',
      id: r1.body.submission_id,
      assignment_id: c1.body.id,
      task_id: taskId,
      datum_id: c1.body.datum.id,
      member_id: workers[0].memberId,
      parameters: { tag: 'one' },
      status: 'approved',
      reward: '$0.07',
      reward_cents: 7,
      auto_approve_at: null,
      reject_reason: null,
      reject_message: null,
      evidence: null,
      appeal: null,
    });
    expect(sub.body.seconds).toEqual(expect.any(Number));
    expect((await getSub(workers[0], r1.body.submission_id)).status).toBe(200);
    // another member of the guild, and a stranger, see nothing
    expect((await getSub(workers[1], r1.body.submission_id)).status).toBe(404);
    expect((await getSub(await registerUser(s.http), r1.body.submission_id)).status).toBe(404);

    // the owner's list: oldest first (§11.6 "Orders"); the member's: newest first, own only
    const all = await s.http.get(`/api/tasks/${taskId}/submissions`).set('Authorization', owner.auth);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ object: 'List', url: `/api/tasks/${taskId}/submissions`, has_more: false });
    expect(all.body.data.map((x: { id: string }) => x.id)).toEqual([r1.body.submission_id, first.submissionId, third.submissionId]);
    const mine = await s.http.get('/api/me/submissions').set('Authorization', workers[0].auth);
    expect(mine.body.data.map((x: { id: string }) => x.id)).toEqual([third.submissionId, r1.body.submission_id]);
    expect((await s.http.get('/api/me/submissions?status=pending').set('Authorization', workers[0].auth)).body.data).toEqual([]);
    expect((await s.http.get('/api/me/submissions?status=bogus').set('Authorization', workers[0].auth)).status).toBe(422);
    const paged = await s.http.get(`/api/tasks/${taskId}/submissions?limit=1&starting_after=${r1.body.submission_id}`).set('Authorization', owner.auth);
    expect(paged.body.data.map((x: { id: string }) => x.id)).toEqual([first.submissionId]);
    expect(paged.body.has_more).toBe(true);
    // not the owner of the task: 404
    expect((await s.http.get(`/api/tasks/${taskId}/submissions`).set('Authorization', workers[0].auth)).status).toBe(404);
    // auto review: approving what is approved is a 409
    expect((await approve(r1.body.submission_id)).status).toBe(409);
    expect((await reject(r1.body.submission_id)).status).toBe(409);
  });

  // ------------------------------------------------------------------ §12.2 manual

  it('manual review: pending keeps the reward in escrow and shows it as pending; approval pays, completes the datum and the batch', async () => {
    const { guildId, taskId, workers } = await setUp(manual(), 1, 25);
    const batchId = await batch(guildId, 1);
    const before = Date.now();
    const { submissionId, datumId } = await answer(workers[0], taskId, { label: 'cat' });
    const sub = (await getSub(workers[0], submissionId)).body;
    expect(sub).toMatchObject({ status: 'pending', reward_cents: 25, reward: '$0.25', parameters: { label: 'cat' } });
    // default auto_approve_after: 3 days
    const at = Date.parse(sub.auto_approve_at);
    expect(at).toBeGreaterThanOrEqual(before + 3 * 24 * 3600 * 1000 - 5_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 3 * 24 * 3600 * 1000 + 5_000);
    // neither the member's nor the requester's yet: in escrow, shown as pending
    expect(await wallet(workers[0], guildId)).toMatchObject({ balance_cents: 0, pending_cents: 25, pending: '$0.25' });
    expect(await escrowCents(s, guildId)).toBe(25);
    const pendingDatum = await s.http.get(`/api/data/${datumId}`).set('Authorization', owner.auth);
    expect(pendingDatum.body.status).not.toBe('completed');
    expect((await getBatch(batchId)).status).toBe('processing');
    // the review queue
    const queue = await s.http.get(`/api/tasks/${taskId}/submissions?status=pending`).set('Authorization', owner.auth);
    expect(queue.body.data.map((x: { id: string }) => x.id)).toEqual([submissionId]);
    // only the owner reviews
    expect((await s.http.post(`/api/submissions/${submissionId}/approve`).set('Authorization', workers[0].auth)).status).toBe(404);

    const ok = await approve(submissionId);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'approved', auto_approve_at: null });
    expect(await wallet(workers[0], guildId)).toMatchObject({ balance_cents: 25, pending_cents: 0 });
    const datum = await s.http.get(`/api/data/${datumId}`).set('Authorization', owner.auth);
    expect(datum.body.status).toBe('completed');
    expect(datum.body.parameters).toMatchObject({ label: 'cat', label_confidence: 1 });
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', spent_cents: 25, refunded_cents: 0 });
    expect((await approve(submissionId)).status).toBe(409);
    expect((await reject(submissionId)).status).toBe(409);
    expect(await rewardTxCount(submissionId)).toBe(1);
  });

  it('reject: reason and message required; the slot reopens for another member, paid from the same reservation', async () => {
    const { guildId, taskId, workers } = await setUp(manual(), 3, 10);
    const batchId = await batch(guildId, 1);
    const ownerWalletBefore = await walletCents(s, guildId, owner);
    const first = await answer(workers[0], taskId, { label: 'dog' });
    expect((await reject(first.submissionId, { reason: 'incorrect' })).status).toBe(422);
    expect((await reject(first.submissionId, { reason: 'incorrect', message: '' })).status).toBe(422);
    expect((await reject(first.submissionId, { reason: 'incorrect', message: 'x'.repeat(2001) })).status).toBe(422);
    expect((await reject(first.submissionId, { reason: 'rude', message: 'no' })).status).toBe(422);
    expect((await getSub(owner, first.submissionId)).body.status).toBe('pending');

    const r = await reject(first.submissionId, { reason: 'incorrect', message: 'The image shows a cat.' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'rejected',
      reject_reason: 'incorrect',
      reject_message: 'The image shows a cat.',
      evidence: { message: 'The image shows a cat.' },
      appeal: null,
    });
    // the member sees all of it
    const mine = await s.http.get('/api/me/submissions?status=rejected').set('Authorization', workers[0].auth);
    expect(mine.body.data[0]).toMatchObject({ id: first.submissionId, reject_reason: 'incorrect', reject_message: 'The image shows a cat.' });
    expect(await wallet(workers[0], guildId)).toMatchObject({ balance_cents: 0, pending_cents: 0 });
    // not for the same member again; for another one
    expect((await claim(workers[0], taskId)).status).toBe(204);
    const second = await answer(workers[1], taskId, { label: 'cat' });
    expect(second.datumId).toBe(first.datumId);
    expect((await approve(second.submissionId)).status).toBe(200);
    expect(await walletCents(s, guildId, workers[1])).toBe(10);
    expect(await walletCents(s, guildId, workers[0])).toBe(0);
    // the requester paid one reservation and no more
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', cost_cents: 10, spent_cents: 10, refunded_cents: 0 });
    expect(await walletCents(s, guildId, owner)).toBe(ownerWalletBefore);
    expect(await escrowCents(s, guildId)).toBe(0);
    expect((await claim(workers[2], taskId)).status).toBe(204);
  });

  it('manual review without `answer`: one slot per datum; approval merges the parameters and moves the datum on', async () => {
    const { guildId, taskId, workers } = await setUp({ review: { mode: 'manual', auto_approve_after: 120 } }, 2, 5);
    const batchId = await batch(guildId, 1);
    const first = await answer(workers[0], taskId, { transcript: 'helo' });
    const sub = (await getSub(owner, first.submissionId)).body;
    expect(sub.status).toBe('pending');
    expect(Date.parse(sub.auto_approve_at) - Date.parse(sub.created)).toBeGreaterThanOrEqual(119_000);
    expect((await reject(first.submissionId, { reason: 'incomplete', message: 'Misspelt.' })).status).toBe(200);
    expect((await claim(workers[0], taskId)).status).toBe(204);
    const second = await answer(workers[1], taskId, { transcript: 'hello' });
    expect((await approve(second.submissionId)).status).toBe(200);
    const datum = await s.http.get(`/api/data/${first.datumId}`).set('Authorization', owner.auth);
    expect(datum.body).toMatchObject({ status: 'completed', parameters: { image_url: 'https://img.example.com/0.png', transcript: 'hello' } });
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', cost_cents: 5, spent_cents: 5, refunded_cents: 0 });
  });

  it('bulk approve: each id its own outcome, one bad id does not stop the others; more than 1,000 ids is a 422', async () => {
    const { guildId, taskId, workers } = await setUp(manual(), 3, 3);
    const other = await setUp(manual(), 1, 3);
    await batch(guildId, 3);
    await batch(other.guildId, 1);
    const subs = [];
    for (const w of workers) subs.push((await answer(w, taskId, { label: 'cat' })).submissionId);
    const foreign = (await answer(other.workers[0], other.taskId, { label: 'cat' })).submissionId;
    expect((await approve(subs[1])).status).toBe(200);

    const res = await s.http
      .post(`/api/tasks/${taskId}/submissions/approve`)
      .set('Authorization', owner.auth)
      .send({ ids: [subs[0], subs[1], '999999999', foreign, Number(subs[2])] });
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('List');
    expect(res.body.data).toEqual([
      { object: 'ApprovalOutcome', id: subs[0], status: 200 },
      expect.objectContaining({ object: 'ApprovalOutcome', id: subs[1], status: 409, type: 'Conflict' }),
      expect.objectContaining({ id: '999999999', status: 404, type: 'RecordNotFound' }),
      expect.objectContaining({ id: foreign, status: 404 }),
      { object: 'ApprovalOutcome', id: subs[2], status: 200 },
    ]);
    for (let i = 0; i < 3; i++) expect(await walletCents(s, guildId, workers[i])).toBe(3);
    expect((await getSub(other.workers[0], foreign)).body.status).toBe('pending');
    const tooMany = Array.from({ length: 1001 }, (_, i) => String(i + 1));
    expect((await s.http.post(`/api/tasks/${taskId}/submissions/approve`).set('Authorization', owner.auth).send({ ids: tooMany })).status).toBe(422);
    expect((await s.http.post(`/api/tasks/${taskId}/submissions/approve`).set('Authorization', owner.auth).send({ ids: [] })).status).toBe(422);
    expect(
      (
        await s.http
          .post(`/api/tasks/${taskId}/submissions/approve`)
          .set('Authorization', workers[0].auth)
          .send({ ids: [subs[0]] })
      ).status,
    ).toBe(404);
    // the foreign one stays pending: approve it so the queue is empty
    expect((await approve(foreign)).status).toBe(200);
  });

  it('auto-approval: whatever is still pending at auto_approve_at is approved by the job queue, once', async () => {
    const { guildId, taskId, workers } = await setUp(manual({ review: { mode: 'manual', auto_approve_after: 60 } }), 1, 4);
    const batchId = await batch(guildId, 1);
    const { submissionId } = await answer(workers[0], taskId, { label: 'dog' });
    const job = await s.sql<{ id: string; run_at: Date }>(`SELECT id::text, run_at FROM graphile_worker.jobs WHERE key = $1`, [
      `submission-auto-approve:${submissionId}`,
    ]);
    expect(job).toHaveLength(1);
    const sub = (await getSub(owner, submissionId)).body;
    expect(Math.abs(job[0].run_at.getTime() - Date.parse(sub.auto_approve_at))).toBeLessThan(1000);
    // run early (an operator's reschedule): not due, so it stays pending and the job comes back
    await s.sql(`SELECT graphile_worker.reschedule_jobs(ARRAY[$1::bigint], run_at => now())`, [job[0].id]);
    await eventually(async () => {
      const j = await s.sql<{ run_at: Date }>(`SELECT run_at FROM graphile_worker.jobs WHERE key = $1 AND locked_at IS NULL`, [
        `submission-auto-approve:${submissionId}`,
      ]);
      return j.length === 1 && j[0].run_at.getTime() > Date.now() + 30_000;
    });
    expect((await getSub(owner, submissionId)).body.status).toBe('pending');
    // the time comes
    await s.sql(`UPDATE submissions SET auto_approve_at = now() - interval '1 second' WHERE id = $1`, [submissionId]);
    await s.sql(`SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at => now()) FROM graphile_worker.jobs WHERE key = $1`, [
      `submission-auto-approve:${submissionId}`,
    ]);
    await eventually(async () => (await getSub(owner, submissionId)).body.status === 'approved');
    expect(await walletCents(s, guildId, workers[0])).toBe(4);
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', spent_cents: 4 });
    expect(await rewardTxCount(submissionId)).toBe(1);
  });

  // ------------------------------------------------------------------ auto_reject consensus

  it('auto_reject consensus needs manual review (422), and rejects pending answers that disagree with a confident aggregate, with evidence', async () => {
    const g = await s.http
      .post('/api/guilds')
      .set('Authorization', owner.auth)
      .send({ name: 'C', description: 'c', input_parameters: ['image_url'] });
    const bad = await s.http
      .post(`/api/guilds/${g.body.id}/tasks`)
      .set('Authorization', owner.auth)
      .send({ name: 'T', minimum_amount_cents: 1, quality: { answer: 'label', labels: ['cat', 'dog'], auto_reject: ['consensus'] } });
    expect(bad.status).toBe(422);
    expect(bad.body.details[0].field).toBe('quality.auto_reject[0]');

    const q = manual({ overlap: { min: 2, max: 3, confidence: 0.6 }, auto_reject: ['consensus'] });
    const { guildId, taskId, workers } = await setUp(q, 3, 10);
    const patch = await s.http
      .patch(`/api/tasks/${taskId}`)
      .set('Authorization', owner.auth)
      .send({ quality: { ...q, review: { mode: 'auto' } } });
    expect(patch.status).toBe(422);
    const batchId = await batch(guildId, 1);
    const cat = await answer(workers[0], taskId, { label: 'cat' });
    const dog = await answer(workers[1], taskId, { label: 'dog' });
    expect((await approve(cat.submissionId)).status).toBe(200);
    // one approved answer: majority confidence 1 ≥ 0.6, so the pending "dog" is rejected
    const rejected = (await getSub(workers[1], dog.submissionId)).body;
    expect(rejected).toMatchObject({ status: 'rejected', reject_reason: 'consensus', evidence: { aggregate: 'cat', confidence: 1, answers: 1 } });
    expect(rejected.reject_message).toEqual(expect.stringContaining('cat'));
    // its slot reopens for the third member; two approved answers finish the datum
    const third = await answer(workers[2], taskId, { label: 'cat' });
    expect((await approve(third.submissionId)).status).toBe(200);
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', cost_cents: 30, spent_cents: 20, refunded_cents: 10 });
    expect(await walletCents(s, guildId, workers[1])).toBe(0);
    // the member may appeal a machine rejection too; approved after the datum is done, it is paid
    // from the owner's wallet and changes nothing of the datum or the batch
    expect((await appeal(workers[1], dog.submissionId)).status).toBe(200);
    const approvedAppeal = await approve(dog.submissionId);
    expect(approvedAppeal.status).toBe(200);
    expect(approvedAppeal.body).toMatchObject({ status: 'approved', appeal: { status: 'approved' } });
    expect((await getSub(workers[1], dog.submissionId)).body.status).toBe('approved');
    expect(await walletCents(s, guildId, workers[1])).toBe(10);
    expect(await getBatch(batchId)).toMatchObject({ status: 'completed', spent_cents: 20, refunded_cents: 10 });
  });

  // ------------------------------------------------------------------ §12.3 appeals

  it('appeal: once, within 7 days; uphold with a message; approve pays from the owner’s wallet, the shortfall from the card', async () => {
    const requester = await registerUser(s.http);
    await giveCard(s, requester);
    const guild = await s.http
      .post('/api/guilds')
      .set('Authorization', requester.auth)
      .send({ name: 'A', description: 'a', input_parameters: ['image_url'] });
    const task = await s.http
      .post(`/api/guilds/${guild.body.id}/tasks`)
      .set('Authorization', requester.auth)
      .send({ name: 'T', minimum_amount_cents: 40, quality: manual() });
    const workers: TestUser[] = [];
    for (let i = 0; i < 4; i++) {
      const w = await registerUser(s.http);
      await addMember(s.http, requester, guild.body.id, w);
      await subscribe(s.http, w, task.body.id);
      workers.push(w);
    }
    const b = await s.http
      .post(`/api/guilds/${guild.body.id}/batches`)
      .set('Authorization', requester.auth)
      .send({ batch: { data: [{ image_url: 'a' }, { image_url: 'b' }] } });
    expect((await s.http.post(`/api/batches/${b.body.id}/debits`).set('Authorization', requester.auth)).status).toBe(201);
    const asOwner = (path: string, body?: object) => s.http.post(path).set('Authorization', requester.auth).send(body);

    const one = (await answer(workers[0], task.body.id, { label: 'dog' })).submissionId;
    const two = (await answer(workers[1], task.body.id, { label: 'dog' })).submissionId;
    // not rejected: nothing to appeal
    expect((await appeal(workers[0], one)).status).toBe(409);
    expect((await asOwner(`/api/submissions/${one}/reject`, { reason: 'incorrect', message: 'cat' })).status).toBe(200);
    expect((await asOwner(`/api/submissions/${two}/reject`, { reason: 'spam', message: 'random' })).status).toBe(200);
    // uphold without an open appeal
    expect((await asOwner(`/api/submissions/${one}/uphold`, { message: 'no' })).status).toBe(409);
    // someone else's submission: 404; a message is required
    expect((await appeal(workers[1], one)).status).toBe(404);
    expect((await s.http.post(`/api/submissions/${one}/appeal`).set('Authorization', workers[0].auth).send({})).status).toBe(422);

    const opened = await appeal(workers[0], one, 'It really is a dog.');
    expect(opened.status).toBe(200);
    expect(opened.body.appeal).toMatchObject({ status: 'open', message: 'It really is a dog.', reply: null });
    expect(opened.body.appeal.created).toEqual(expect.any(String));
    expect((await appeal(workers[0], one)).status).toBe(409);
    // the owner sees the open appeal
    expect((await s.http.get(`/api/submissions/${one}`).set('Authorization', requester.auth)).body.appeal.status).toBe('open');

    // the owner's wallet holds nothing (the batch was paid from the card): the appeal charges the card
    expect(await walletCents(s, guild.body.id, requester)).toBe(0);
    const chargesBefore = (await s.sql<{ n: number }>(`SELECT count(*)::int AS n FROM card_charges WHERE user_id = $1`, [requester.id]))[0].n;
    const approved = await asOwner(`/api/submissions/${one}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', appeal: { status: 'approved' } });
    expect(await walletCents(s, guild.body.id, workers[0])).toBe(40);
    // the card was charged the shortfall, raised to Stripe's minimum charge (50¢): 10¢ stay in the wallet
    expect(await walletCents(s, guild.body.id, requester)).toBe(10);
    const charges = await s.sql<{ amount_cents: string; status: string }>(
      `SELECT amount_cents::text, status FROM card_charges WHERE user_id = $1 ORDER BY id`,
      [requester.id],
    );
    expect(charges).toHaveLength(chargesBefore + 1);
    expect(charges[charges.length - 1]).toEqual({ amount_cents: '50', status: 'succeeded' });
    const tx = await s.sql<{ kind: string; batch_id: string }>(`SELECT kind, batch_id::text FROM ledger_transactions WHERE business_key = $1`, [
      `appeal:${one}:payment`,
    ]);
    expect(tx).toEqual([{ kind: 'appeal', batch_id: b.body.id }]);
    // decided: no second approval, no second appeal
    expect((await asOwner(`/api/submissions/${one}/approve`)).status).toBe(409);
    expect((await appeal(workers[0], one)).status).toBe(409);

    // the second: appealed, and upheld with a message; no second appeal
    expect((await appeal(workers[1], two, 'They are not random.')).status).toBe(200);
    const upheld = await asOwner(`/api/submissions/${two}/uphold`, { message: 'Both were wrong.' });
    expect(upheld.status).toBe(200);
    expect(upheld.body).toMatchObject({ status: 'rejected', appeal: { status: 'upheld', message: 'They are not random.', reply: 'Both were wrong.' } });
    expect((await appeal(workers[1], two)).status).toBe(409);
    expect((await asOwner(`/api/submissions/${two}/uphold`, { message: 'again' })).status).toBe(409);
    expect(await walletCents(s, guild.body.id, workers[1])).toBe(0);

    // the rejected slots reopened: the third member answers both; one is rejected and appealed late (409)
    const x1 = await answer(workers[2], task.body.id, { label: 'cat' });
    const x2 = await answer(workers[2], task.body.id, { label: 'cat' });
    expect((await asOwner(`/api/submissions/${x1.submissionId}/reject`, { reason: 'other', message: 'blurry' })).status).toBe(200);
    await s.sql(`UPDATE submissions SET rejected_at = now() - interval '7 days 1 minute' WHERE id = $1`, [x1.submissionId]);
    const late = await appeal(workers[2], x1.submissionId);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatch(/7 days/);
    expect((await asOwner(`/api/submissions/${x2.submissionId}/approve`)).status).toBe(200);
    // a fourth member answers the slot reopened once more; approving it finishes the batch
    const x3 = await answer(workers[3], task.body.id, { label: 'cat' });
    expect(x3.datumId).toBe(x1.datumId);
    expect((await asOwner(`/api/submissions/${x3.submissionId}/approve`)).status).toBe(200);
    const done = await s.http.get(`/api/batches/${b.body.id}`).set('Authorization', requester.auth);
    expect(done.body).toMatchObject({ status: 'completed', cost_cents: 80, spent_cents: 80, refunded_cents: 0 });
  });
});
