import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';
import { expectLedgerInvariant } from '../support/ledger';
import { startTestServer, TestServer } from '../support/server';
import { giveCard, Pipeline, setUpPipeline, walletCents } from '../support/work-fixtures';

/**
 * Issue 13, work and money edges seen through HTTP: Idempotency-Key reused with another request,
 * "claim next" posted eight times at once, what an ended assignment shows its holder, and a
 * browser form post to submit_to with `Accept: text/html`.
 */
describe('work edges: idempotency, claim-next, ended assignments, browser forms', () => {
  let s: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    await giveCard(s, owner);
  });
  afterAll(() => s.close());

  async function paidBatch(p: Pipeline, data: object[]) {
    const b = await s.http.post(`/api/guilds/${p.guildId}/batches`).set('Authorization', owner.auth).send({ batch: { data } });
    expect(b.status).toBe(201);
    expect((await s.http.post(`/api/batches/${b.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    return b.body.id as string;
  }
  async function worker(p: Pipeline, tasks: number[] = [0]): Promise<TestUser & { memberId: string }> {
    const w = await registerUser(s.http);
    const memberId = (await addMember(s.http, owner, p.guildId, w)).id as string;
    for (const i of tasks) await subscribe(s.http, w, p.taskIds[i]);
    return { ...w, memberId };
  }
  const claim = (w: TestUser, taskId: string) => s.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
  const submit = (w: TestUser, id: string, parameters: object) =>
    s.http.post(`/api/assignments/${id}/submit`).set('Authorization', w.auth).send({ parameters });
  const tokenOf = (submitTo: string) => new URL(submitTo).searchParams.get('token')!;

  describe('Idempotency-Key', () => {
    it('the same key with another body is a 422 and moves nothing; the same request replays the first response', async () => {
      const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 100 }] });
      await paidBatch(p, [{ a: '1' }]);
      const w = await worker(p);
      const c = (await claim(w, p.taskIds[0])).body;
      expect((await submit(w, c.id, { x: '1' })).status).toBe(200);
      const wallet = (await s.http.get('/api/wallets').set('Authorization', w.auth)).body.data.find((x: { guild_id: string }) => x.guild_id === p.guildId);
      const payout = (cents: number) =>
        s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', w.auth).set('Idempotency-Key', 'payout-1').send({ amount_cents: cents });

      const first = await payout(10);
      expect(first.status).toBe(201);
      expect(first.body.amount_cents).toBe(10);
      const other = await payout(90);
      expect(other.status).toBe(422);
      expect(other.body.details[0].field).toBe('Idempotency-Key');
      const again = await payout(10);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      // key order does not make another request
      const reordered = await s.http
        .post(`/api/wallets/${wallet.id}/payouts`)
        .set('Authorization', w.auth)
        .set('Idempotency-Key', 'payout-1')
        .set('Content-Type', 'application/json')
        .send('{ "amount_cents" : 10 }');
      expect(reordered.status).toBe(201);
      expect(reordered.body.id).toBe(first.body.id);
      expect(await s.sql('SELECT id FROM payouts WHERE account_id = $1', [wallet.id])).toHaveLength(1);
      // another route with the key: 422 as before
      expect((await s.http.post(`/api/payouts/${first.body.id}/decline`).set('Authorization', w.auth).set('Idempotency-Key', 'payout-1')).status).toBe(422);
      await expectLedgerInvariant(s);
    });
  });

  describe('claim next (src/worker)', () => {
    it('eight concurrent posts of one after-submit form make one claim', async () => {
      const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 5 }] });
      await paidBatch(
        p,
        Array.from({ length: 10 }, (_, i) => ({ n: String(i) })),
      );
      const w = await worker(p);
      const c = (await claim(w, p.taskIds[0])).body;
      const token = tokenOf(c.submit_to);
      const form = await s.http.post(`/api/assignments/${c.id}/submit?token=${token}`).type('form').send('label=cat');
      expect(form.status).toBe(200);
      const posts = await Promise.all(
        Array.from({ length: 8 }, () => s.http.post('/work/claim-next').type('form').send({ assignmentId: c.id, token }).redirects(0)),
      );
      const statuses = posts.map((r) => r.status).sort();
      expect(statuses.filter((x) => x === 303)).toHaveLength(1);
      expect(statuses.filter((x) => x === 409)).toHaveLength(7);
      const held = await s.sql<{ status: string }>(`SELECT status FROM assignments WHERE user_id = $1 ORDER BY id`, [w.id]);
      expect(held.map((r) => r.status)).toEqual(['submitted', 'claimed']);
      // and posting it again later is still refused: once per submitted assignment
      expect((await s.http.post('/work/claim-next').type('form').send({ assignmentId: c.id, token }).redirects(0)).status).toBe(409);
    });
  });

  describe('an ended assignment shows its holder no later parameters', () => {
    /** Two independent tasks on one datum: a second worker's output at task 2 lands in the datum. */
    async function twoTasks() {
      const p = await setUpPipeline(s, owner, {
        tasks: [
          { name: 'A', minimum_amount_cents: 10 },
          { name: 'B', minimum_amount_cents: 10 },
        ],
      });
      await paidBatch(p, [{ image: 'x.png' }]);
      const holder = await worker(p, [0]);
      const other = await worker(p, [1]);
      const mine = (await claim(holder, p.taskIds[0])).body;
      expect(mine.datum.parameters).toEqual({ image: 'x.png' });
      return { p, holder, other, mine };
    }
    async function laterOutput(p: Pipeline, other: TestUser) {
      const theirs = (await claim(other, p.taskIds[1])).body;
      expect((await submit(other, theirs.id, { secret_answer: 'theirs' })).status).toBe(200);
    }
    async function expectNoLater(holder: TestUser, mine: { id: string; submit_to: string }, allowed: object) {
      const byKey = await s.http.get(`/api/assignments/${mine.id}`).set('Authorization', holder.auth);
      expect(byKey.status).toBe(200);
      expect(byKey.body.datum.parameters).toEqual(allowed);
      const byToken = await s.http.get(`/api/assignments/${mine.id}?token=${tokenOf(mine.submit_to)}`);
      expect(byToken.status).toBe(200);
      expect(byToken.body.datum.parameters).toEqual(allowed);
      const list = await s.http.get('/api/assignments').set('Authorization', holder.auth);
      expect(list.body.data.find((a: { id: string }) => a.id === mine.id).datum.parameters).toEqual(allowed);
      expect(JSON.stringify([byKey.body, byToken.body, list.body])).not.toContain('theirs');
    }

    it('released', async () => {
      const { p, holder, other, mine } = await twoTasks();
      expect((await s.http.post(`/api/assignments/${mine.id}/release`).set('Authorization', holder.auth)).status).toBe(200);
      await laterOutput(p, other);
      await expectNoLater(holder, mine, { image: 'x.png' });
    });

    it('submitted: their own output, nothing later', async () => {
      const { p, holder, other, mine } = await twoTasks();
      expect((await submit(holder, mine.id, { label: 'cat' })).status).toBe(200);
      await laterOutput(p, other);
      await expectNoLater(holder, mine, { image: 'x.png', label: 'cat' });
    });

    it('expired', async () => {
      const { p, holder, other, mine } = await twoTasks();
      // the lease lapses (moved into the past, as a lapse leaves it) and the sweeper ends it
      await s.sql(`UPDATE assignments SET expires = now() - interval '1 second' WHERE id = $1`, [mine.id]);
      await s.sql(`UPDATE work_items SET lease_expires_at = now() - interval '1 second' WHERE assignment_id = $1`, [mine.id]);
      for (let i = 0; i < 600 && (await s.sql<{ status: string }>('SELECT status FROM assignments WHERE id = $1', [mine.id]))[0].status === 'claimed'; i++)
        await new Promise((r) => setTimeout(r, 50));
      await laterOutput(p, other);
      await expectNoLater(holder, mine, { image: 'x.png' });
    });

    it('member removed', async () => {
      const { p, holder, other, mine } = await twoTasks();
      expect((await s.http.delete(`/api/members/${(holder as TestUser & { memberId: string }).memberId}`).set('Authorization', owner.auth)).status).toBe(200);
      await laterOutput(p, other);
      await expectNoLater(holder, mine, { image: 'x.png' });
      await expectLedgerInvariant(s);
    });

    it('a live claim still sees the datum as it is now', async () => {
      const { p, holder, other, mine } = await twoTasks();
      await laterOutput(p, other);
      const live = await s.http.get(`/api/assignments/${mine.id}`).set('Authorization', holder.auth);
      expect(live.body.datum.parameters).toEqual({ image: 'x.png', secret_answer: 'theirs' });
      expect(await walletCents(s, p.guildId, other)).toBe(10);
    });
  });

  describe('a browser form post to submit_to with Accept: text/html', () => {
    it('gets its HTML page, not a 406 (and a 303 with return_to)', async () => {
      const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 5 }] });
      await paidBatch(p, [{ n: '1' }, { n: '2' }]);
      const w = await worker(p);
      const html = 'text/html,application/xhtml+xml;q=0.9';
      const c1 = (await claim(w, p.taskIds[0])).body;
      const r1 = await s.http
        .post(`/api/assignments/${c1.id}/submit?token=${tokenOf(c1.submit_to)}`)
        .set('Accept', html)
        .type('form')
        .send('label=cat');
      expect(r1.status).toBe(200);
      expect(r1.headers['content-type']).toMatch(/text\/html/);
      expect(r1.text).toContain('submitted');
      const c2 = (await claim(w, p.taskIds[0])).body;
      const r2 = await s.http
        .post(`/api/assignments/${c2.id}/submit?token=${tokenOf(c2.submit_to)}&return_to=${encodeURIComponent('https://example.com/done')}`)
        .set('Accept', 'text/html')
        .field('label', 'dog')
        .redirects(0);
      expect(r2.status).toBe(303);
      expect(r2.headers.location).toBe('https://example.com/done');
      // a JSON route still refuses a client that will not take JSON
      expect((await s.http.get('/api/me').set('Authorization', owner.auth).set('Accept', 'text/html')).status).toBe(406);
    });
  });
});
