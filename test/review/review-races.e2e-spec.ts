import { expectLedgerInvariant } from '../support/ledger';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';
import { giveCard, walletCents } from '../support/work-fixtures';
import { createTestDatabase, startTestServer, TestDatabase, TestServer } from '../support/server';
import { eventually } from '../support/webhook-receiver';
import { startProcessServer } from '../support/process-server';

jest.setTimeout(240_000);

/**
 * Review races (issue 17 "Concurrency"): an owner's approval racing the auto-approval job, a
 * rejection racing an appeal, two server processes' queue runners running the auto-approval job
 * of the same submissions, and a restart between submit and auto_approve_at — never two payments
 * for one submission, the ledger invariant after each.
 */
describe('review races (API.md §12.2, §12.3)', () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer | undefined;
  let owner: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestServer({ leaseSweepIntervalMs: 3_600_000 }, {}, { db });
    owner = await registerUser(a.http);
    await giveCard(a, owner);
  });
  afterEach(() => expectLedgerInvariant(a));
  afterAll(async () => {
    await b?.close();
    await a.close();
    await db.drop();
  });

  const quality = { answer: 'label', labels: ['cat', 'dog'], aggregation: 'majority', review: { mode: 'manual', auto_approve_after: 60 } };

  /** A guild with one manual-review task, `n` workers each holding one pending submission of a paid batch of `n` data. */
  async function pendingSubmissions(n: number, reward = 9): Promise<{ guildId: string; workers: TestUser[]; subs: string[] }> {
    const g = await a.http
      .post('/api/guilds')
      .set('Authorization', owner.auth)
      .send({ name: 'R', description: 'r', input_parameters: ['image_url'] });
    const t = await a.http.post(`/api/guilds/${g.body.id}/tasks`).set('Authorization', owner.auth).send({ name: 'T', minimum_amount_cents: reward, quality });
    expect(t.status).toBe(201);
    const bt = await a.http
      .post(`/api/guilds/${g.body.id}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: Array.from({ length: n }, (_, i) => ({ image_url: `u${i}` })) } });
    expect((await a.http.post(`/api/batches/${bt.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const workers: TestUser[] = [];
    const subs: string[] = [];
    for (let i = 0; i < n; i++) {
      const w = await registerUser(a.http);
      await addMember(a.http, owner, g.body.id, w);
      await subscribe(a.http, w, t.body.id);
      const c = await a.http.post(`/api/tasks/${t.body.id}/claims`).set('Authorization', w.auth);
      const r = await a.http
        .post(`/api/assignments/${c.body.id}/submit`)
        .set('Authorization', w.auth)
        .send({ parameters: { label: 'cat' } });
      expect(r.status).toBe(200);
      workers.push(w);
      subs.push(r.body.submission_id);
    }
    return { guildId: g.body.id, workers, subs };
  }

  const payments = async (subs: string[]) =>
    (
      await a.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM ledger_transactions t WHERE t.business_key = ANY($1::text[]) OR t.business_key = ANY($2::text[])`,
        [subs.map((x) => `submission:${x}:reward`), subs.map((x) => `appeal:${x}:payment`)],
      )
    )[0].n;
  /** makes the submissions due and their jobs runnable now */
  async function due(subs: string[]) {
    await a.sql(`UPDATE submissions SET auto_approve_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])`, [subs]);
    await a.sql(`SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at => now()) FROM graphile_worker.jobs WHERE key = ANY($1::text[])`, [
      subs.map((x) => `submission-auto-approve:${x}`),
    ]);
  }

  it('an owner approving while the auto-approval job runs: one approval, one payment', async () => {
    const { guildId, workers, subs } = await pendingSubmissions(6);
    await a.sql(`UPDATE submissions SET auto_approve_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])`, [subs]);
    const approvals = Promise.all(subs.map((id) => a.http.post(`/api/submissions/${id}/approve`).set('Authorization', owner.auth)));
    await due(subs);
    const results = await approvals;
    for (const r of results) expect([200, 409]).toContain(r.status);
    await eventually(async () => (await a.sql(`SELECT 1 FROM submissions WHERE id = ANY($1::bigint[]) AND status = 'pending'`, [subs])).length === 0);
    // the jobs are gone (or no-ops): wait for them before counting
    await eventually(
      async () =>
        (await a.sql(`SELECT 1 FROM graphile_worker.jobs WHERE key = ANY($1::text[])`, [subs.map((x) => `submission-auto-approve:${x}`)])).length === 0,
    );
    expect(await payments(subs)).toBe(subs.length);
    for (const w of workers) expect(await walletCents(a, guildId, w)).toBe(9);
  });

  it('a rejection racing an appeal, then two approvals of the appeal racing: the appeal is paid once', async () => {
    const { guildId, workers, subs } = await pendingSubmissions(4);
    const outcomes = await Promise.all(
      subs.flatMap((id, i) => [
        a.http.post(`/api/submissions/${id}/reject`).set('Authorization', owner.auth).send({ reason: 'other', message: 'no' }),
        a.http.post(`/api/submissions/${id}/appeal`).set('Authorization', workers[i].auth).send({ message: 'please' }),
      ]),
    );
    for (let i = 0; i < subs.length; i++) {
      const [rej, app] = [outcomes[2 * i], outcomes[2 * i + 1]];
      expect(rej.status).toBe(200);
      // the appeal either came first (409: nothing rejected yet) or after (200: open)
      expect([200, 409]).toContain(app.status);
      if (app.status === 409)
        expect((await a.http.post(`/api/submissions/${subs[i]}/appeal`).set('Authorization', workers[i].auth).send({ message: 'please' })).status).toBe(200);
    }
    const approvals = await Promise.all(
      subs.flatMap((id) => [
        a.http.post(`/api/submissions/${id}/approve`).set('Authorization', owner.auth),
        a.http.post(`/api/submissions/${id}/approve`).set('Authorization', owner.auth),
      ]),
    );
    for (let i = 0; i < subs.length; i++) expect([approvals[2 * i].status, approvals[2 * i + 1].status].sort()).toEqual([200, 409]);
    expect(await payments(subs)).toBe(subs.length);
    for (const w of workers) expect(await walletCents(a, guildId, w)).toBe(9);
  });

  it('two servers on one database run the auto-approval jobs (each queued twice): every submission paid exactly once; a restart keeps the jobs', async () => {
    const { guildId, workers, subs } = await pendingSubmissions(8);
    // a second process, as after a restart: the jobs are in the database, not in a process
    b = await startTestServer({ leaseSweepIntervalMs: 3_600_000 }, {}, { db });
    // a duplicate job per submission (no key), so both runners have the same work to race for
    for (const id of subs) await a.sql(`SELECT graphile_worker.add_job('submission-auto-approve', json_build_object('submission_id', $1::text))`, [id]);
    await due(subs);
    await a.sql(
      `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at => now()) FROM graphile_worker.jobs WHERE task_identifier = 'submission-auto-approve'`,
    );
    await eventually(async () => (await a.sql(`SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'submission-auto-approve'`)).length === 0, 60_000);
    expect((await a.sql(`SELECT 1 FROM submissions WHERE id = ANY($1::bigint[]) AND status = 'pending'`, [subs])).length).toBe(0);
    expect(await payments(subs)).toBe(subs.length);
    for (const w of workers) expect(await walletCents(a, guildId, w)).toBe(9);
    const logs = a.logs.text() + b.logs.text();
    // one approval per submission, whichever process ran it (earlier tests' lines name other submissions)
    const approvedBy = logs
      .split('\n')
      .filter((l) => l.includes('submission approved automatically') && subs.some((x) => l.includes(`"submission_id":"${x}"`)));
    expect(approvedBy).toHaveLength(subs.length);
  });

  it('auto-approval after a restart: the job queued before the server stopped approves on the next one', async () => {
    const { guildId, workers, subs } = await pendingSubmissions(1);
    await b?.close();
    b = undefined;
    await a.close();
    a = await startTestServer({ leaseSweepIntervalMs: 3_600_000 }, {}, { db });
    await due(subs);
    await eventually(async () => (await a.sql(`SELECT status FROM submissions WHERE id = $1`, [subs[0]]))[0]?.status === 'approved', 60_000);
    expect(await payments(subs)).toBe(1);
    expect(await walletCents(a, guildId, workers[0])).toBe(9);
  });

  it('two operating-system processes run the auto-approval jobs (each queued twice): every submission paid exactly once', async () => {
    const { guildId, workers, subs } = await pendingSubmissions(8);
    // only the two child processes run the queue: the in-process server stops first
    await b?.close();
    b = undefined;
    await a.close();
    const procs = await Promise.all([startProcessServer({ db, readyTimeoutMs: 180_000 }), startProcessServer({ db, readyTimeoutMs: 180_000 })]);
    try {
      const [p] = procs;
      for (const id of subs) await p.sql(`SELECT graphile_worker.add_job('submission-auto-approve', json_build_object('submission_id', $1::text))`, [id]);
      await p.sql(`UPDATE submissions SET auto_approve_at = now() - interval '1 second' WHERE id = ANY($1::bigint[])`, [subs]);
      await p.sql(
        `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at => now()) FROM graphile_worker.jobs WHERE task_identifier = 'submission-auto-approve'`,
      );
      await eventually(async () => (await p.sql(`SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'submission-auto-approve'`)).length === 0, 120_000);
      expect((await p.sql(`SELECT 1 FROM submissions WHERE id = ANY($1::bigint[]) AND status = 'pending'`, [subs])).length).toBe(0);
      const [paid] = await p.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_transactions WHERE business_key = ANY($1::text[])`, [
        subs.map((x) => `submission:${x}:reward`),
      ]);
      expect(paid.n).toBe(subs.length);
      const wallets = await p.sql<{ b: string }>(
        `SELECT la.balance_cents AS b FROM ledger_accounts la JOIN users u ON u.id = la.user_id WHERE la.kind = 'wallet' AND la.guild_id = $1 AND u.email = ANY($2::text[])`,
        [guildId, workers.map((w) => w.email)],
      );
      expect(wallets.map((w) => Number(w.b))).toEqual(workers.map(() => 9));
      const approvals = procs
        .map((x) => x.logs())
        .join('\n')
        .split('\n')
        .filter((l) => l.includes('submission approved automatically'));
      expect(approvals).toHaveLength(subs.length);
    } finally {
      await Promise.all(procs.map((x) => x.close()));
      // the invariant check after the test reads through an in-process server again
      a = await startTestServer({ leaseSweepIntervalMs: 3_600_000 }, {}, { db });
    }
  });
});
