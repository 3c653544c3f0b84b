import { expectLedgerInvariant } from './support/ledger';
import { registerUser, TestUser } from './support/fixtures';
import { addMember, subscribe } from './support/guild-fixtures';
import { escrowCents, giveCard, Pipeline, walletCents, setUpPipeline } from './support/work-fixtures';
import { startTestServer, TestServer } from './support/server';
import { eventually } from './support/webhook-receiver';
import { LEASE_SWEEP_TASK } from '../src/work/lease-sweeper';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('work: claim, submit, release, cancel, lapse', () => {
  let s: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    // the lease sweep job only runs when a test brings it forward (sweepNow): nothing ends a claim
    // behind a test's back, and a claim never races a sweep that holds its row
    s = await startTestServer({ leaseSweepIntervalMs: 3_600_000 });
    owner = await registerUser(s.http);
    await giveCard(s, owner);
  });
  afterAll(() => s.close());

  async function batchOf(p: Pipeline, data: object[]): Promise<string> {
    const res = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data, webhooks: [{ destination: 'https://hooks.example.com/x', secret: 'whsec' }] } });
    expect(res.status).toBe(201);
    return res.body.id;
  }
  async function pay(batchId: string) {
    const res = await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth);
    expect(res.status).toBe(201);
    return res.body;
  }
  async function worker(p: Pipeline, taskIdx: number[] = [0]): Promise<TestUser & { memberId: string }> {
    const w = await registerUser(s.http);
    const memberId = (await (await addMember(s.http, owner, p.guildId, w)).id) as string;
    for (const i of taskIdx) await subscribe(s.http, w, p.taskIds[i]);
    return { ...w, memberId };
  }
  /**
   * The clock stand-in: moves one claim's lease into the past, as waiting out the lease would
   * (both copies of the expiry, in one statement), and nothing else. Leases are decided by the
   * database clock, so a test never waits on the wall clock and a loaded machine cannot make a
   * lease lapse early. What happens next is the app's own: a claim, a submit, the sweep job.
   */
  async function lapse(assignmentId: string): Promise<void> {
    const moved = await s.sql<{ id: string }>(
      `WITH a AS (UPDATE assignments SET expires = now() - interval '1 second' WHERE id = $1 AND status = 'claimed' RETURNING id)
       UPDATE work_items SET lease_expires_at = now() - interval '1 second' WHERE assignment_id IN (SELECT id FROM a) RETURNING id`,
      [assignmentId],
    );
    expect(moved).toHaveLength(1);
  }
  /**
   * Runs the app's own lease sweep job now and resolves when it has finished: the series is one
   * waiting job (hourly on this server); its time is brought forward, as the jobs test does for a
   * retry, and a finished job leaves the table (having queued the next one, an hour later).
   */
  async function sweepNow(): Promise<void> {
    const [j] = await s.sql<{ id: string }>(
      `SELECT id::text AS id FROM graphile_worker.jobs WHERE task_identifier = $1 AND locked_at IS NULL ORDER BY id DESC LIMIT 1`,
      [LEASE_SWEEP_TASK],
    );
    expect(j).toBeDefined();
    await s.sql(`SELECT graphile_worker.reschedule_jobs(ARRAY[$1::bigint], run_at => now())`, [j.id]);
    await s.sql(`NOTIFY "jobs:insert"`);
    await eventually(async () => (await s.sql(`SELECT 1 FROM graphile_worker.jobs WHERE id = $1::bigint`, [j.id])).length === 0, 60_000);
  }
  const claim = (w: TestUser, taskId: string) => s.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
  const submit = (w: TestUser, id: string, parameters: object) =>
    s.http.post(`/api/assignments/${id}/submit`).set('Authorization', w.auth).send({ parameters });

  it('the whole journey: two tasks, five data, paid by card, two workers racing through both tasks', async () => {
    const p = await setUpPipeline(s, owner, {
      input_parameters: ['image_url'],
      tasks: [
        { name: 'Describe', minimum_amount_cents: 500 },
        { name: 'Check', minimum_amount_cents: 100 },
      ],
      connections: [[0, 1]],
    });
    const batchId = await batchOf(
      p,
      [1, 2, 3, 4, 5].map((i) => ({ image_url: `img${i}.png` })),
    );
    const before = await walletCents(s, p.guildId, owner);
    const tx = await pay(batchId);
    expect(tx).toEqual(expect.objectContaining({ object: 'Transaction', type: 'Guild Debit', amount: '$30.00', amount_cents: 3000 }));
    expect(await walletCents(s, p.guildId, owner)).toBe(before);
    expect(await escrowCents(s, p.guildId)).toBe(3000);
    let b = (await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body;
    expect(b).toEqual(expect.objectContaining({ status: 'processing', cost_cents: 3000, progress: 0 }));
    expect(b.data.every((d: { status: string }) => d.status === 'processing')).toBe(true);

    const workers = [await worker(p, [0, 1]), await worker(p, [0, 1])];
    const seen = new Set<string>();
    async function run(w: TestUser & { memberId: string }) {
      for (let idle = 0; idle < 40;) {
        let got = false;
        for (const [i, taskId] of p.taskIds.entries()) {
          const c = await claim(w, taskId);
          if (c.status === 204) continue;
          expect(c.status).toBe(201);
          expect(c.body).toEqual({
            object: 'Assignment',
            id: expect.stringMatching(/^\d+$/),
            task_id: taskId,
            status: 'claimed',
            datum: { object: 'Datum', id: expect.any(String), parameters: expect.objectContaining({ image_url: expect.any(String) }) },
            reward: i === 0 ? '$5.00' : '$1.00',
            reward_cents: i === 0 ? 500 : 100,
            expires: expect.any(String),
            submit_to: expect.stringMatching(new RegExp(`^${s.config.publicUrl}/api/assignments/${c.body.id}/submit\\?token=ogs_`)),
            workspace_url: `https://workspace.example.com/task?workerId=${w.memberId}&assignmentId=${c.body.id}&submitTo=${encodeURIComponent(c.body.submit_to)}`,
            submission_id: null,
            created: expect.any(String),
            updated: expect.any(String),
          });
          const key = `${taskId}:${c.body.datum.id}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
          if (i === 1) expect(c.body.datum.parameters.description).toBe(`desc of ${c.body.datum.parameters.image_url}`);
          const params = i === 0 ? { description: `desc of ${c.body.datum.parameters.image_url}` } : { verdict: 'ok' };
          const sub = await submit(w, c.body.id, params);
          expect(sub.status).toBe(200);
          expect(sub.body.status).toBe('submitted');
          got = true;
        }
        if (!got) {
          const st = (await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body.status;
          if (st === 'completed') return;
          idle++;
          await sleep(25);
        }
      }
    }
    await Promise.all(workers.map(run));
    expect(seen.size).toBe(10);

    b = (await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body;
    expect(b).toEqual(
      expect.objectContaining({ status: 'completed', completed: true, data_count: 5, data_completed_count: 5, progress: 100, cost_cents: 3000 }),
    );
    for (const d of b.data) {
      expect(d.status).toBe('completed');
      expect(d.parameters).toEqual({ image_url: d.parameters.image_url, description: `desc of ${d.parameters.image_url}`, verdict: 'ok' });
    }
    const earned = (await walletCents(s, p.guildId, workers[0])) + (await walletCents(s, p.guildId, workers[1]));
    expect(earned).toBe(3000);
    expect(await escrowCents(s, p.guildId)).toBe(0);
    await expectLedgerInvariant(s);

    const hist = await s.http.get(`/api/data/${b.data[0].id}/history`).set('Authorization', owner.auth);
    expect(hist.body.object).toBe('List');
    expect(hist.body.data.map((h: { task_id: string }) => h.task_id)).toEqual(p.taskIds);
    expect(hist.body.data[0].parameters).toEqual({ description: `desc of ${b.data[0].parameters.image_url}` });
    expect([workers[0].memberId, workers[1].memberId]).toContain(hist.body.data[0].member_id);

    const deliveries = await s.sql<{ payload: string }>(
      `SELECT d.payload FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.batch_id = $1`,
      [batchId],
    );
    expect(deliveries).toHaveLength(1);
    const payload = JSON.parse(deliveries[0].payload);
    expect(payload).toEqual(expect.objectContaining({ object: 'Batch', id: batchId, status: 'completed', progress: 100 }));
    expect(payload.data).toHaveLength(5);
    expect(payload.data[0].parameters.verdict).toBe('ok');
    expect((await s.http.delete(`/api/batches/${batchId}`).set('Authorization', owner.auth)).status).toBe(409);
  });

  it('404 for a non-member, 403 for an unsubscribed member, 204 when nothing is open', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 10 }] });
    const outsider = await registerUser(s.http);
    let res = await claim(outsider, p.taskIds[0]);
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('RecordNotFound');
    const member = await worker(p, []);
    res = await claim(member, p.taskIds[0]);
    expect(res.status).toBe(403);
    expect(res.body.type).toBe('Forbidden');
    await subscribe(s.http, member, p.taskIds[0]);
    res = await claim(member, p.taskIds[0]);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await claim(member, '999999')).status).toBe(404);
  });

  it('double submit 409, someone else’s 404, bad parameters 422, list and get', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 60 }] });
    await pay(await batchOf(p, [{ a: 1 }]));
    const w = await worker(p);
    const other = await worker(p);
    const c = (await claim(w, p.taskIds[0])).body;
    expect((await submit(other, c.id, { x: 1 })).status).toBe(404);
    expect((await s.http.post(`/api/assignments/${c.id}/submit`).send({ parameters: { x: 1 } })).status).toBe(401);
    expect((await s.http.post(`/api/assignments/${c.id}/submit?token=nope`).send({ parameters: { x: 1 } })).status).toBe(404);
    let res = await submit(w, c.id, { x: { deep: 1 } });
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([{ field: 'parameters.x', message: 'must be a string, number or boolean' }]);
    res = await s.http.post(`/api/assignments/${c.id}/submit`).set('Authorization', w.auth).send({});
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('param is missing or the value is empty: parameters');
    expect((await submit(w, c.id, { x: 1 })).status).toBe(200);
    res = await submit(w, c.id, { x: 2 });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('Conflict');
    expect(await walletCents(s, p.guildId, w)).toBe(60);
    const list = await s.http.get('/api/assignments').set('Authorization', w.auth);
    expect(list.body).toEqual(expect.objectContaining({ object: 'List', url: '/api/assignments', has_more: false }));
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toEqual(
      expect.objectContaining({ id: c.id, status: 'submitted', submit_to: `${s.config.publicUrl}/api/assignments/${c.id}/submit` }),
    );
    expect((await s.http.get(`/api/assignments/${c.id}`).set('Authorization', other.auth)).status).toBe(404);
    expect((await s.http.get(`/api/assignments/${c.id}`).set('Authorization', w.auth)).body.status).toBe('submitted');
  });

  it('a lapsed lease: the work is claimable again, the old assignment expired, a late submit 410', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'Quick', minimum_amount_cents: 55, lease_seconds: 3600 }] });
    const batchId = await batchOf(p, [{ a: 1 }]);
    await pay(batchId);
    const slow = await worker(p);
    const fast = await worker(p);
    const first = (await claim(slow, p.taskIds[0])).body;
    expect((await claim(fast, p.taskIds[0])).status).toBe(204);
    await lapse(first.id);
    expect((await s.http.get(`/api/assignments/${first.id}`).set('Authorization', slow.auth)).body.status).toBe('expired');
    const second = await claim(fast, p.taskIds[0]);
    expect(second.status).toBe(201);
    expect(second.body.datum.id).toBe(first.datum.id);
    const late = await submit(slow, first.id, { x: 1 });
    expect(late.status).toBe(410);
    expect(late.body.type).toBe('Gone');
    expect((await submit(fast, second.body.id, { x: 2 })).status).toBe(200);
    expect(await walletCents(s, p.guildId, slow)).toBe(0);
    expect(await walletCents(s, p.guildId, fast)).toBe(55);
    const d = (await s.http.get(`/api/data/${first.datum.id}`).set('Authorization', owner.auth)).body;
    expect(d).toEqual(expect.objectContaining({ status: 'completed', parameters: { a: 1, x: 2 } }));
    await expectLedgerInvariant(s);
  });

  it('a late submit of never re-claimed work is 410 too and reopens it', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'Quick', minimum_amount_cents: 55, lease_seconds: 3600 }] });
    await pay(await batchOf(p, [{ a: 1 }]));
    const w = await worker(p);
    const c = (await claim(w, p.taskIds[0])).body;
    expect((await claim(w, p.taskIds[0])).status).toBe(204); // held, not claimable before the lease lapses
    await lapse(c.id);
    expect((await submit(w, c.id, { x: 1 })).status).toBe(410);
    const again = await claim(w, p.taskIds[0]);
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(c.id);
  });

  it('the lease sweep job ends a lapsed claim: the assignment is stored expired and the work is open again', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'Quick', minimum_amount_cents: 55, lease_seconds: 3600 }] });
    await pay(await batchOf(p, [{ a: 1 }]));
    const w = await worker(p);
    const c = (await claim(w, p.taskIds[0])).body;
    await sweepNow(); // a live lease is left alone
    expect(await s.sql(`SELECT status FROM assignments WHERE id = $1`, [c.id])).toEqual([{ status: 'claimed' }]);
    await lapse(c.id);
    await sweepNow();
    expect(await s.sql(`SELECT status FROM assignments WHERE id = $1`, [c.id])).toEqual([{ status: 'expired' }]);
    expect(await s.sql(`SELECT status, assignment_id FROM work_items WHERE datum_id = $1`, [c.datum.id])).toEqual([{ status: 'open', assignment_id: null }]);
    expect((await submit(w, c.id, { x: 1 })).status).toBe(410);
    expect((await claim(w, p.taskIds[0])).status).toBe(201);
  });

  it('release returns the work to the pool', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 60 }] });
    await pay(await batchOf(p, [{ a: 1 }]));
    const w = await worker(p);
    const c = (await claim(w, p.taskIds[0])).body;
    const r = await s.http.post(`/api/assignments/${c.id}/release`).set('Authorization', w.auth);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('released');
    expect((await s.http.post(`/api/assignments/${c.id}/release`).set('Authorization', w.auth)).status).toBe(409);
    expect((await submit(w, c.id, { x: 1 })).status).toBe(410);
    const again = await claim(w, p.taskIds[0]);
    expect(again.status).toBe(201);
    expect(again.body.datum.id).toBe(c.datum.id);
  });

  describe('browser form submit to submit_to', () => {
    let p: Pipeline;
    let w: TestUser & { memberId: string };
    beforeAll(async () => {
      p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 25 }] });
      await pay(await batchOf(p, [{ a: 1 }, { a: 2 }, { a: 3 }]));
      w = await worker(p);
    });
    const path = (submitTo: string) => {
      const u = new URL(submitTo);
      return `${u.pathname}${u.search}`;
    };

    it('urlencoded with the token and no key → HTML; control fields are not parameters', async () => {
      const c = (await claim(w, p.taskIds[0])).body;
      const res = await s.http
        .post(path(c.submit_to))
        .set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8')
        .type('form')
        .send({ assignmentId: c.id, workerId: w.memberId, answer: 'cat', score: '3' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/submitted/);
      const d = (await s.http.get(`/api/data/${c.datum.id}`).set('Authorization', owner.auth)).body;
      expect(d.parameters).toEqual({ a: c.datum.parameters.a, answer: 'cat', score: '3' });
      expect(await walletCents(s, p.guildId, w)).toBe(25);
      const again = await s.http.post(path(c.submit_to)).type('form').send({ answer: 'dog' });
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toMatch(/^text\/html/);
    });

    it('303 to return_to; token as a form field; multipart forms too', async () => {
      const c = (await claim(w, p.taskIds[0])).body;
      const token = new URL(c.submit_to).searchParams.get('token')!;
      const res = await s.http
        .post(`/api/assignments/${c.id}/submit?return_to=${encodeURIComponent('https://preview.example.com/done?x=1')}`)
        .type('form')
        .send({ token, answer: 'owl' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('https://preview.example.com/done?x=1');
      const c2 = (await claim(w, p.taskIds[0])).body;
      const mp = await s.http.post(path(c2.submit_to)).field('answer', 'bat').field('workerId', w.memberId);
      expect(mp.status).toBe(200);
      const d = (await s.http.get(`/api/data/${c2.datum.id}`).set('Authorization', owner.auth)).body;
      expect(d.parameters.answer).toBe('bat');
    });

    it('a wrong token is a 404 page; no token and no key a 401', async () => {
      const res = await s.http.post('/api/assignments/1/submit?token=ogs_wrong').type('form').send({ answer: 'x' });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect((await s.http.post('/api/assignments/1/submit').type('form').send({ answer: 'x' })).status).toBe(401);
    });
  });

  it('cancel while processing: unclaimed escrow refunded, claimed work still paid, a lapsed canceled claim refunded', async () => {
    const p = await setUpPipeline(s, owner, {
      tasks: [
        { name: 'A', minimum_amount_cents: 100, lease_seconds: 3600 },
        { name: 'B', minimum_amount_cents: 10 },
      ],
      connections: [[0, 1]],
    });
    const batchId = await batchOf(p, [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }]);
    await pay(batchId);
    const w = await worker(p, [0, 1]);
    const done = (await claim(w, p.taskIds[0])).body;
    expect((await submit(w, done.id, { r: 'x' })).status).toBe(200); // datum 1 at B opens
    const keep = (await claim(w, p.taskIds[0])).body; // will submit after cancel
    const lapsing = (await claim(w, p.taskIds[0])).body; // will lapse after cancel
    const ownerBefore = await walletCents(s, p.guildId, owner);
    // unclaimed now: A of datum 4 (100) + B of data 1..4 (4 × 10) = 140
    const res = await s.http.delete(`/api/batches/${batchId}`).set('Authorization', owner.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'Batch', id: batchId, canceled: true });
    expect(await walletCents(s, p.guildId, owner)).toBe(ownerBefore + 140);
    const b = (await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body;
    expect(b.status).toBe('canceled');
    expect(b.data.every((d: { parameters: object; status: string }) => d.status === 'canceled' && Object.keys(d.parameters).length === 0)).toBe(true);
    expect((await claim(w, p.taskIds[0])).status).toBe(204);
    expect((await claim(w, p.taskIds[1])).status).toBe(204);

    const sub = await submit(w, keep.id, { r: 'late but live' });
    expect(sub.status).toBe(200);
    expect(await walletCents(s, p.guildId, w)).toBe(200);
    const d = (await s.http.get(`/api/data/${keep.datum.id}`).set('Authorization', owner.auth)).body;
    expect(d.parameters).toEqual({});

    // nothing more is refunded while the canceled claim's lease runs: a sweep finds nothing to end
    await sweepNow();
    expect(await walletCents(s, p.guildId, owner)).toBe(ownerBefore + 140);
    // the lease lapses (clock stand-in), and the app's own sweep job refunds the canceled claim
    await lapse(lapsing.id);
    await sweepNow();
    expect(await walletCents(s, p.guildId, owner)).toBe(ownerBefore + 240);
    expect((await submit(w, lapsing.id, { r: 'too late' })).status).toBe(410);
    expect(await escrowCents(s, p.guildId)).toBe(0);
    const refunds = await s.sql<{ business_key: string }>(`SELECT business_key FROM ledger_transactions WHERE batch_id = $1 AND kind = 'refund' ORDER BY id`, [
      batchId,
    ]);
    expect(refunds.map((r) => r.business_key)).toEqual([`batch:${batchId}:cancel-refund`, expect.stringMatching(/^work:\d+:refund$/)]);
    await expectLedgerInvariant(s);
  });

  it('race: 1,000 data, 50 concurrent claimers — every datum claimed once, every submit paid once', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'R', minimum_amount_cents: 7 }] });
    const batchId = await batchOf(
      p,
      Array.from({ length: 1000 }, (_, i) => ({ i })),
    );
    await pay(batchId);
    const workers = await Promise.all(Array.from({ length: 10 }, () => worker(p)));
    const claimed: string[] = [];
    async function claimer(w: TestUser) {
      for (;;) {
        const c = await claim(w, p.taskIds[0]);
        if (c.status === 204) return;
        if (c.status !== 201) throw new Error(`claim ${c.status} ${JSON.stringify(c.body)}`);
        claimed.push(c.body.datum.id);
        const r = await submit(w, c.body.id, { done: true });
        if (r.status !== 200) throw new Error(`submit ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    const t = Date.now();
    await Promise.all(Array.from({ length: 50 }, (_, i) => claimer(workers[i % workers.length])));

    console.log(`race: 1,000 claims + submits by 50 concurrent claimers in ${Date.now() - t} ms`);
    expect(claimed).toHaveLength(1000);
    expect(new Set(claimed).size).toBe(1000);
    const [counts] = await s.sql<{ a: string; s: string; r: string }>(
      `SELECT (SELECT count(*) FROM assignments a JOIN data d ON d.id = a.datum_id WHERE d.batch_id = $1) AS a,
              (SELECT count(*) FROM submissions su JOIN data d ON d.id = su.datum_id WHERE d.batch_id = $1) AS s,
              (SELECT count(*) FROM ledger_transactions WHERE batch_id = $1 AND kind = 'reward') AS r`,
      [batchId],
    );
    expect(counts).toEqual({ a: '1000', s: '1000', r: '1000' });
    let total = 0;
    for (const w of workers) total += await walletCents(s, p.guildId, w);
    expect(total).toBe(7000);
    const b = (await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body;
    expect(b).toEqual(expect.objectContaining({ status: 'completed', data_completed_count: 1000, progress: 100 }));
    await expectLedgerInvariant(s);
  }, 600_000); // a hang guard only: on a loaded 2-core CI box the race legitimately takes minutes
});
