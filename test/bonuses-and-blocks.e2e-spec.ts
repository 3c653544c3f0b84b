import Stripe from 'stripe';
import { createStripeClient } from '../src/ledger/stripe.provider';
import { expectLedgerInvariant } from './support/ledger';
import { registerUser, TestUser } from './support/fixtures';
import { addMember, subscribe } from './support/guild-fixtures';
import { escrowCents, giveCard, Pipeline, setUpPipeline, walletCents } from './support/work-fixtures';
import { startTestServer, TestServer } from './support/server';

/**
 * API.md §12.4 (bonuses and blocks), §12.3 (pay transparency), §11.3 (a blocked member's claim is
 * a 403), §11.6 (Transactions carry `reason` and `batch_id`). docs/bonuses-and-blocks.md.
 * Every scenario: a task paying 100¢ a datum, batches paid by the owner's card (Stripe mock);
 * after each step the balances users see and the ledger invariant.
 */
describe('bonuses, blocks and pay transparency', () => {
  let s: TestServer;
  let stripe: Stripe;
  let owner: TestUser;

  beforeAll(async () => {
    s = await startTestServer();
    stripe = createStripeClient(s.config);
    owner = await registerUser(s.http);
    await giveCard(s, owner);
  });
  afterAll(() => s.close());

  type Worker = TestUser & { memberId: string };

  async function pipeline(reward = 100): Promise<Pipeline> {
    return setUpPipeline(s, owner, { tasks: [{ name: 'Label', minimum_amount_cents: reward }] });
  }

  /** A batch of `n` data, paid (by the owner's card for whatever the wallet lacks). */
  async function paidBatch(p: Pipeline, n: number, by: TestUser = owner): Promise<string> {
    const b = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', by.auth)
      .send({ batch: { data: Array.from({ length: n }, (_, i) => ({ n: i })) } });
    expect(b.status).toBe(201);
    expect((await s.http.post(`/api/batches/${b.body.id}/debits`).set('Authorization', by.auth)).status).toBe(201);
    return String(b.body.id);
  }

  async function newWorker(p: Pipeline, by: TestUser = owner): Promise<Worker> {
    const w = await registerUser(s.http);
    const memberId = (await addMember(s.http, by, p.guildId, w)).id as string;
    await subscribe(s.http, w, p.taskIds[0]);
    return { ...w, memberId };
  }

  const claim = (p: Pipeline, w: TestUser) => s.http.post(`/api/tasks/${p.taskIds[0]}/claims`).set('Authorization', w.auth);
  const submit = (w: TestUser, assignmentId: string) =>
    s.http
      .post(`/api/assignments/${assignmentId}/submit`)
      .set('Authorization', w.auth)
      .send({ parameters: { label: 'cat' } });
  const block = (p: Pipeline, memberId: string, body: object, as: TestUser = owner) =>
    s.http.post(`/api/guilds/${p.guildId}/members/${memberId}/block`).set('Authorization', as.auth).send(body);
  const unblock = (p: Pipeline, memberId: string, as: TestUser = owner) =>
    s.http.delete(`/api/guilds/${p.guildId}/members/${memberId}/block`).set('Authorization', as.auth);
  const member = async (p: Pipeline, memberId: string) => {
    const res = await s.http.get(`/api/guilds/${p.guildId}/members/${memberId}`).set('Authorization', owner.auth);
    expect(res.status).toBe(200);
    return res.body;
  };
  const listIds = async (p: Pipeline, query: string) => {
    const res = await s.http.get(`/api/guilds/${p.guildId}/members${query}`).set('Authorization', owner.auth);
    expect(res.status).toBe(200);
    return (res.body.data as Array<{ id: string }>).map((m) => m.id);
  };

  // ------------------------------------------------------------------------------------ blocks

  describe('blocks (§12.4, §11.3)', () => {
    it('a block releases the live assignment to the pool at once, refuses claims with 403, keeps records and wallet; unblock lets them claim again', async () => {
      const p = await pipeline();
      await paidBatch(p, 3);
      const w = await newWorker(p);
      const other = await newWorker(p);

      // w earns one reward, then holds a live claim
      const first = await claim(p, w);
      expect(first.status).toBe(201);
      expect((await submit(w, first.body.id)).status).toBe(200);
      const live = await claim(p, w);
      expect(live.status).toBe(201);
      expect(await walletCents(s, p.guildId, w)).toBe(100);
      expect(await escrowCents(s, p.guildId)).toBe(200);
      await expectLedgerInvariant(s);

      const res = await block(p, w.memberId, { reason: 'copied answers' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        object: 'Member',
        id: w.memberId,
        blocked: true,
        blocked_reason: 'copied answers',
        blocked_at: expect.stringMatching(/Z$/),
        blocked_until: null,
        credit_cents: 100,
      });

      // the live assignment went back to the pool: released for its holder, open for others
      const a = await s.http.get(`/api/assignments/${live.body.id}`).set('Authorization', w.auth);
      expect(a.body.status).toBe('released');
      expect((await submit(w, live.body.id)).status).toBe(410);
      const taken = await claim(p, other);
      expect(taken.status).toBe(201);
      expect(taken.body.datum.id).toBe(live.body.datum.id);
      // no money moved: the escrow still holds the two open rewards, the blocked member keeps theirs
      expect(await escrowCents(s, p.guildId)).toBe(200);
      expect(await walletCents(s, p.guildId, w)).toBe(100);
      await expectLedgerInvariant(s);

      // claims are refused with the reason; the work they did stays theirs
      const refused = await claim(p, w);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ type: 'Forbidden', status: 403 });
      expect(refused.body.error).toContain(`blocked in guild ${p.guildId}`);
      expect(refused.body.error).toContain('copied answers');
      expect((await s.http.get(`/api/assignments/${first.body.id}`).set('Authorization', w.auth)).body.status).toBe('submitted');
      const wallets = await s.http.get('/api/wallets').set('Authorization', w.auth);
      expect(wallets.body.data.find((x: { guild_id: string }) => x.guild_id === p.guildId).balance_cents).toBe(100);

      // lists: blocked=true only the blocked member, blocked=false the others
      expect(await listIds(p, '?blocked=true')).toEqual([w.memberId]);
      expect(await listIds(p, '?blocked=false')).toEqual([other.memberId]);
      expect(await listIds(p, '')).toEqual([other.memberId, w.memberId]);
      expect((await s.http.get(`/api/guilds/${p.guildId}/members?blocked=maybe`).set('Authorization', owner.auth)).status).toBe(422);

      // blocking again: 200, no change (the first reason stands, nothing updated)
      const again = await block(p, w.memberId, { reason: 'another reason' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(res.body);

      // unblock: claims work again; unblocking again is 200 with no change
      const un = await unblock(p, w.memberId);
      expect(un.status).toBe(200);
      expect(un.body).toMatchObject({ id: w.memberId, blocked: false, blocked_reason: null, blocked_at: null, blocked_until: null, credit_cents: 100 });
      const unAgain = await unblock(p, w.memberId);
      expect(unAgain.status).toBe(200);
      expect(unAgain.body).toEqual(un.body);
      expect(await listIds(p, '?blocked=true')).toEqual([]);
      const back = await claim(p, w);
      expect(back.status).toBe(201);
      expect((await submit(w, back.body.id)).status).toBe(200);
      expect(await walletCents(s, p.guildId, w)).toBe(200);
      await expectLedgerInvariant(s);
    });

    it('on a task with overlap, the blocked member’s answer slot opens again for others at once', async () => {
      const p = await pipeline();
      const quality = { answer: 'label', labels: ['cat', 'dog'], overlap: { min: 2, max: 2, confidence: 0.95 } };
      expect((await s.http.patch(`/api/tasks/${p.taskIds[0]}`).set('Authorization', owner.auth).send({ quality })).status).toBe(200);
      await paidBatch(p, 1);
      const [w, a, b] = [await newWorker(p), await newWorker(p), await newWorker(p)];
      const live = await claim(p, w);
      expect(live.status).toBe(201);
      expect(await escrowCents(s, p.guildId)).toBe(200);

      expect((await block(p, w.memberId, { reason: 'spam' })).status).toBe(200);
      expect((await s.http.get(`/api/assignments/${live.body.id}`).set('Authorization', w.auth)).body.status).toBe('released');
      // both slots of the datum are open for the others
      const ca = await claim(p, a);
      const cb = await claim(p, b);
      expect([ca.status, cb.status]).toEqual([201, 201]);
      expect([ca.body.datum.id, cb.body.datum.id]).toEqual([live.body.datum.id, live.body.datum.id]);
      expect((await claim(p, w)).status).toBe(403);
      expect(await escrowCents(s, p.guildId)).toBe(200);
      await expectLedgerInvariant(s);
      for (const [x, c] of [
        [a, ca],
        [b, cb],
      ] as const) {
        expect((await submit(x, c.body.id)).status).toBe(200);
      }
      expect(await escrowCents(s, p.guildId)).toBe(0);
      expect(await walletCents(s, p.guildId, w)).toBe(0);
      await expectLedgerInvariant(s);
    });

    it('claims racing a block: once the block is answered the member holds no live assignment, and every claim was 201, 204 or 403', async () => {
      const p = await pipeline();
      await paidBatch(p, 30);
      const w = await newWorker(p);
      const claims = Array.from({ length: 12 }, () => claim(p, w));
      const blocked = block(p, w.memberId, { reason: 'race' });
      const more = Array.from({ length: 12 }, () => claim(p, w));
      const [b, ...answers] = await Promise.all([blocked, ...claims, ...more]);
      expect(b.status).toBe(200);
      expect(answers.filter((r) => ![201, 204, 403].includes(r.status)).map((r) => r.status)).toEqual([]);
      const live = await s.sql(`SELECT id FROM assignments WHERE member_id = $1 AND status = 'claimed'`, [w.memberId]);
      expect(live).toEqual([]);
      // every piece of work is open again: another member can take all 30
      const other = await newWorker(p);
      let taken = 0;
      for (let r = await claim(p, other); r.status === 201; r = await claim(p, other)) taken++;
      expect(taken).toBe(30);
      expect(await escrowCents(s, p.guildId)).toBe(3000);
      await expectLedgerInvariant(s);
    });

    it('a block with `until` refuses claims until then and ends by itself; `until` in the past is a 422', async () => {
      const p = await pipeline();
      await paidBatch(p, 2);
      const w = await newWorker(p);

      const past = await block(p, w.memberId, { reason: 'late', until: new Date(Date.now() - 60_000).toISOString() });
      expect(past.status).toBe(422);
      expect(past.body.details).toEqual([expect.objectContaining({ field: 'until' })]);
      expect((await member(p, w.memberId)).blocked).toBe(false);

      const until = new Date(Date.now() + 3_600_000).toISOString();
      const res = await block(p, w.memberId, { reason: 'cooling off', until });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ blocked: true, blocked_reason: 'cooling off', blocked_until: until });
      const refused = await claim(p, w);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toContain(`until ${until}`);

      // the end arrives (the database clock decides: its end moves into the past, the state time leaves)
      await s.sql(`UPDATE members SET blocked_until = now() - interval '1 second' WHERE id = $1`, [w.memberId]);
      expect(await member(p, w.memberId)).toMatchObject({ blocked: false, blocked_reason: null, blocked_at: null, blocked_until: null });
      expect(await listIds(p, '?blocked=true')).toEqual([]);
      const c = await claim(p, w);
      expect(c.status).toBe(201);
      expect((await submit(w, c.body.id)).status).toBe(200);
      // an ended block is not a block: unblocking is no change, blocking again is a new block
      expect((await unblock(p, w.memberId)).body.blocked).toBe(false);
      const again = await block(p, w.memberId, { reason: 'again' });
      expect(again.body).toMatchObject({ blocked: true, blocked_reason: 'again', blocked_until: null });
      await expectLedgerInvariant(s);
    });

    it('only the owner blocks: the member themself 403, a stranger 404; bad bodies 422', async () => {
      const p = await pipeline();
      const w = await newWorker(p);
      const stranger = await registerUser(s.http);
      expect((await block(p, w.memberId, { reason: 'x' }, w)).status).toBe(403);
      expect((await unblock(p, w.memberId, w)).status).toBe(403);
      expect((await block(p, w.memberId, { reason: 'x' }, stranger)).status).toBe(404);
      expect((await unblock(p, w.memberId, stranger)).status).toBe(404);
      expect((await s.http.post(`/api/guilds/${p.guildId}/members/999999/block`).set('Authorization', owner.auth).send({ reason: 'x' })).status).toBe(404);
      for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(2001) }, { reason: 'x', until: 'tomorrow' }, { reason: 'x', extra: 1 }]) {
        const res = await block(p, w.memberId, body);
        expect(res.status).toBe(422);
        expect(res.body.type).toBe('InvalidParameters');
      }
      expect((await member(p, w.memberId)).blocked).toBe(false);
    });

    it('a blocked member is refused even before subscribing, and a claim on a canceled batch ends with its refund', async () => {
      const p = await pipeline();
      const batchId = await paidBatch(p, 2);
      const w = await newWorker(p);
      const live = await claim(p, w);
      expect(live.status).toBe(201);
      // the batch is canceled while claimed (the claim may still be submitted), then the member blocked: the reward goes back
      expect((await s.http.delete(`/api/batches/${batchId}`).set('Authorization', owner.auth)).status).toBe(200);
      const ownerBefore = await walletCents(s, p.guildId, owner);
      expect(await escrowCents(s, p.guildId)).toBe(100);
      expect((await block(p, w.memberId, { reason: 'gone' })).status).toBe(200);
      expect(await escrowCents(s, p.guildId)).toBe(0);
      expect(await walletCents(s, p.guildId, owner)).toBe(ownerBefore + 100);
      await expectLedgerInvariant(s);
      await s.http.delete(`/api/tasks/${p.taskIds[0]}/subscriptions`).set('Authorization', w.auth);
      expect((await claim(p, w)).status).toBe(403);
    });
  });

  // ------------------------------------------------------------------------------------ bonuses

  describe('bonuses (§12.4)', () => {
    async function submitted(p: Pipeline, w: TestUser): Promise<{ submissionId: string; assignmentId: string }> {
      const c = await claim(p, w);
      expect(c.status).toBe(201);
      expect((await submit(w, c.body.id)).status).toBe(200);
      const [row] = await s.sql<{ id: string }>('SELECT id FROM submissions WHERE assignment_id = $1', [c.body.id]);
      return { submissionId: String(row.id), assignmentId: c.body.id };
    }
    const bonus = (submissionId: string, body: object, as: TestUser = owner, key?: string) => {
      const req = s.http.post(`/api/submissions/${submissionId}/bonuses`).set('Authorization', as.auth);
      return (key ? req.set('Idempotency-Key', key) : req).send(body);
    };
    const walletOf = async (u: TestUser, guildId: string) => {
      const res = await s.http.get('/api/wallets').set('Authorization', u.auth);
      return res.body.data.find((x: { guild_id: string }) => x.guild_id === guildId);
    };

    it("charges the owner's card for the shortfall, debits the owner and credits the member; the same Idempotency-Key twice is one bonus", async () => {
      const p = await pipeline();
      const batchId = await paidBatch(p, 1);
      const w = await newWorker(p);
      const { submissionId } = await submitted(p, w);
      expect(await walletCents(s, p.guildId, owner)).toBe(0);
      expect(await walletCents(s, p.guildId, w)).toBe(100);

      const key = `bonus-${submissionId}`;
      const res = await bonus(submissionId, { amount_cents: 250, reason: 'great work' }, owner, key);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        object: 'Bonus',
        id: expect.stringMatching(/^\d+$/),
        submission_id: submissionId,
        member_id: w.memberId,
        batch_id: batchId,
        amount: '$2.50',
        amount_cents: 250,
        reason: 'great work',
        transaction: {
          object: 'Transaction',
          id: expect.stringMatching(/^\d+$/),
          type: 'Guild Debit',
          amount: '$2.50',
          amount_cents: 250,
          reason: 'bonus',
          batch_id: batchId,
          created: expect.any(String),
        },
        created: expect.any(String),
      });
      // the owner's wallet had nothing: the card paid the 250 (one charge, at Stripe too), the wallet passed it on
      const charges = await s.sql<{ purpose_key: string; amount_cents: string; status: string }>(
        `SELECT purpose_key, amount_cents, status FROM card_charges WHERE purpose_key LIKE 'bonus:%'`,
      );
      expect(charges).toEqual([{ purpose_key: `bonus:${res.body.id}:charge:1`, amount_cents: '250', status: 'succeeded' }]);
      const atStripe = (await stripe.charges.list({ limit: 100 })).data.filter((c) => (c.metadata?.purpose_key ?? '').startsWith(`bonus:${res.body.id}:`));
      expect(atStripe.map((c) => c.amount)).toEqual([250]);
      const ownerWallet = await walletOf(owner, p.guildId);
      expect(ownerWallet.balance_cents).toBe(0);
      expect(ownerWallet.transactions.slice(0, 2)).toEqual([
        expect.objectContaining({ type: 'Guild Debit', amount_cents: 250, reason: 'bonus', batch_id: batchId }),
        expect.objectContaining({ type: 'Fiat Credit', amount_cents: 250, reason: 'charge', batch_id: null }),
      ]);
      const memberWallet = await walletOf(w, p.guildId);
      expect(memberWallet.balance_cents).toBe(350);
      expect(memberWallet.transactions).toEqual([
        expect.objectContaining({ type: 'Guild Credit', amount_cents: 250, reason: 'bonus', batch_id: batchId }),
        expect.objectContaining({ type: 'Guild Credit', amount_cents: 100, reason: 'reward', batch_id: batchId }),
      ]);
      await expectLedgerInvariant(s);

      // the same key again: the first answer, nothing moves
      const replay = await bonus(submissionId, { amount_cents: 250, reason: 'great work' }, owner, key);
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(res.body);
      expect(await s.sql('SELECT id FROM bonuses WHERE submission_id = $1', [submissionId])).toHaveLength(1);
      expect(await s.sql(`SELECT 1 FROM card_charges WHERE purpose_key LIKE 'bonus:%'`)).toHaveLength(1);
      expect(await walletCents(s, p.guildId, w)).toBe(350);
      // the same key with another body: 422, nothing moves
      const other = await bonus(submissionId, { amount_cents: 999, reason: 'great work' }, owner, key);
      expect(other.status).toBe(422);
      expect(await walletCents(s, p.guildId, w)).toBe(350);
      await expectLedgerInvariant(s);

      // a new request (no key) is a new bonus; the wallet's balance is used before the card
      const second = await bonus(submissionId, { amount_cents: 1, reason: 'one more' });
      expect(second.status).toBe(201);
      expect(second.body.id).not.toBe(res.body.id);
      expect(await walletCents(s, p.guildId, w)).toBe(351);
      expect(await s.sql('SELECT id FROM bonuses WHERE submission_id = $1', [submissionId])).toHaveLength(2);
      await expectLedgerInvariant(s);
    });

    it('uses the balance of the owner’s wallet first: only the difference is charged', async () => {
      const p = await pipeline();
      const batchId = await paidBatch(p, 2);
      const w = await newWorker(p);
      const { submissionId } = await submitted(p, w);
      // cancel: the unclaimed datum's 100 comes back to the owner's wallet
      expect((await s.http.delete(`/api/batches/${batchId}`).set('Authorization', owner.auth)).status).toBe(200);
      expect(await walletCents(s, p.guildId, owner)).toBe(100);
      const res = await bonus(submissionId, { amount_cents: 170, reason: 'thanks' });
      expect(res.status).toBe(201);
      expect(await s.sql(`SELECT amount_cents FROM card_charges WHERE purpose_key = $1`, [`bonus:${res.body.id}:charge:1`])).toEqual([{ amount_cents: '70' }]);
      expect(await walletCents(s, p.guildId, owner)).toBe(0);
      expect(await walletCents(s, p.guildId, w)).toBe(270);
      await expectLedgerInvariant(s);
    });

    it('no card and not enough in the wallet: 402 and nothing changes', async () => {
      const poorOwner = await registerUser(s.http);
      const p = await setUpPipeline(s, poorOwner, { tasks: [{ name: 'Free', minimum_amount_cents: 0 }] });
      await paidBatch(p, 1, poorOwner);
      const w = await newWorker(p, poorOwner);
      const { submissionId } = await submitted(p, w);
      const before = await s.sql('SELECT count(*) AS n FROM ledger_transactions');
      const res = await bonus(submissionId, { amount_cents: 50, reason: 'thanks' }, poorOwner);
      expect(res.status).toBe(402);
      expect(res.body.type).toBe('PaymentRequired');
      expect(await s.sql('SELECT count(*) AS n FROM ledger_transactions')).toEqual(before);
      expect(await s.sql('SELECT 1 FROM bonuses WHERE submission_id = $1', [submissionId])).toHaveLength(0);
      expect(await walletCents(s, p.guildId, w)).toBe(0);
      await expectLedgerInvariant(s);
    });

    it('owner only, bounded amount and reason', async () => {
      const p = await pipeline();
      await paidBatch(p, 1);
      const w = await newWorker(p);
      const stranger = await registerUser(s.http);
      const { submissionId } = await submitted(p, w);
      expect((await bonus(submissionId, { amount_cents: 10, reason: 'me' }, w)).status).toBe(403);
      expect((await bonus(submissionId, { amount_cents: 10, reason: 'x' }, stranger)).status).toBe(404);
      expect((await bonus('999999', { amount_cents: 10, reason: 'x' })).status).toBe(404);
      for (const body of [
        { amount_cents: 0, reason: 'x' },
        { amount_cents: 100_001, reason: 'x' },
        { amount_cents: 1.5, reason: 'x' },
        { amount_cents: '10', reason: 'x' },
        { amount_cents: 10, reason: '' },
        { amount_cents: 10, reason: 'x'.repeat(2001) },
        { amount_cents: 10 },
      ]) {
        const res = await bonus(submissionId, body);
        expect(res.status).toBe(422);
        expect(res.body.type).toBe('InvalidParameters');
      }
      expect(await s.sql('SELECT 1 FROM bonuses WHERE submission_id = $1', [submissionId])).toHaveLength(0);
      expect(await walletCents(s, p.guildId, w)).toBe(100);
      // the largest bonus goes through
      expect((await bonus(submissionId, { amount_cents: 100_000, reason: 'x'.repeat(2000) })).status).toBe(201);
      expect(await walletCents(s, p.guildId, w)).toBe(100_100);
      await expectLedgerInvariant(s);
    });
  });

  // ------------------------------------------------------------------------------------ pay transparency

  describe('pay transparency (§12.3)', () => {
    it('median_seconds and effective_hourly on the task and in /api/me/tasks; null before any approved submit', async () => {
      const p = await pipeline(100);
      await paidBatch(p, 4);
      const w = await newWorker(p);
      const task = async (as: TestUser) => (await s.http.get(`/api/tasks/${p.taskIds[0]}`).set('Authorization', as.auth)).body;
      expect(await task(owner)).toMatchObject({ median_seconds: null, effective_hourly: null, effective_hourly_cents: null });

      // three submits that took 30, 60 and 120 seconds (claim times moved back: the state elapsed time leaves)
      for (const seconds of [30, 60, 120]) {
        const c = await claim(p, w);
        expect(c.status).toBe(201);
        expect((await submit(w, c.body.id)).status).toBe(200);
        await s.sql(`UPDATE assignments SET created = submitted_at - make_interval(secs => $2) WHERE id = $1`, [c.body.id, seconds]);
      }
      // a released claim is not a submit and does not count
      const released = await claim(p, w);
      await s.sql(`UPDATE assignments SET created = now() - interval '1 hour' WHERE id = $1`, [released.body.id]);
      expect((await s.http.post(`/api/assignments/${released.body.id}/release`).set('Authorization', w.auth)).status).toBe(200);

      // 100¢ per 60 s = $60.00 an hour
      const want = { median_seconds: 60, effective_hourly: '$60.00', effective_hourly_cents: 6000 };
      expect(await task(owner)).toMatchObject(want);
      expect(await task(w)).toMatchObject(want);
      const mine = await s.http.get('/api/me/tasks').set('Authorization', w.auth);
      expect(mine.status).toBe(200);
      expect(mine.body.data.find((t: { id: string }) => t.id === p.taskIds[0])).toMatchObject(want);
      const list = await s.http.get(`/api/guilds/${p.guildId}/tasks`).set('Authorization', owner.auth);
      expect(list.body.data[0]).toMatchObject(want);
      await expectLedgerInvariant(s);
    });
  });
});
