import Stripe from 'stripe';
import request from 'supertest';
import { DataSource, EntityManager } from 'typeorm';
import { RunningServer, startServer } from '../src/bootstrap';
import { conflict } from '../src/common/errors';
import { inTransaction } from '../src/database/transaction';
import { MoneyService } from '../src/ledger/money.service';
import { createStripeClient } from '../src/ledger/stripe.provider';
import { presentTransaction } from '../src/ledger/transaction.presenter';
import { registerUser, TestUser } from './support/fixtures';
import { expectLedgerInvariant } from './support/ledger';
import { CapturedLogs, startTestServer, TestServer } from './support/server';
import { setUpPipeline } from './support/work-fixtures';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('money: ledger, wallets, cards, payments and payouts', () => {
  let s: TestServer;
  let stripe: Stripe;
  const money = () => s.app.get(MoneyService);
  const dataSource = () => s.app.get(DataSource);

  beforeAll(async () => {
    s = await startTestServer();
    stripe = createStripeClient(s.config);
  });
  afterAll(() => s.close());

  async function guildOf(owner: TestUser): Promise<string> {
    const [g] = await s.sql<{ id: string }>(`INSERT INTO guilds (owner_id, name) VALUES ($1, 'g') RETURNING id`, [owner.id]);
    return String(g.id);
  }
  async function batchIn(guildId: string, owner: TestUser): Promise<string> {
    const [b] = await s.sql<{ id: string }>(`INSERT INTO batches (guild_id, owner_id) VALUES ($1, $2) RETURNING id`, [guildId, owner.id]);
    return String(b.id);
  }
  async function addCard(user: TestUser, source = 'tok_visa') {
    return s.http.post('/api/payment_methods').set('Authorization', user.auth).send({ source });
  }
  /**
   * The pay flow's money steps (batches/pay-batch.usecase.ts), with a stand-in for the batch:
   * fund the wallet (charge a shortfall), then one transaction that locks the batch, checks it is
   * unpaid, debits the wallet and marks the batch processing.
   */
  async function pay(user: TestUser, guildId: string, batchId: string, amountCents: number, fail?: () => void) {
    const payment = { payerUserId: user.id, guildId, batchId, amountCents, purposeKey: `batch:${batchId}` };
    const accounts = await money().fundPayment(payment);
    return inTransaction(dataSource(), async (em: EntityManager) => {
      const [b] = await em.query(`SELECT status FROM batches WHERE id = $1 FOR UPDATE`, [batchId]);
      if (b.status !== 'unpaid') throw conflict(`Batch ${batchId} is already ${b.status}`);
      const entry = await money().debitPayment(em, payment, accounts);
      await em.query(`UPDATE batches SET status = 'processing', cost_cents = $2, paid_at = now() WHERE id = $1`, [batchId, amountCents]);
      fail?.();
      return entry;
    });
  }
  async function stripeChargesFor(purposePrefix: string): Promise<Stripe.Charge[]> {
    const all = await stripe.charges.list({ limit: 100 });
    return all.data.filter((c) => (c.metadata?.purpose_key ?? '').startsWith(`${purposePrefix}:`));
  }
  async function walletOf(user: TestUser, guildId: string) {
    const [w] = await s.sql<{ id: string; balance_cents: string }>(
      `SELECT id, balance_cents FROM ledger_accounts WHERE kind = 'wallet' AND user_id = $1 AND guild_id = $2`,
      [user.id, guildId],
    );
    return w ? { id: String(w.id), balance: Number(w.balance_cents) } : undefined;
  }
  async function escrowOf(guildId: string) {
    const [e] = await s.sql<{ balance_cents: string }>(`SELECT balance_cents FROM ledger_accounts WHERE kind = 'escrow' AND guild_id = $1`, [guildId]);
    return Number(e?.balance_cents ?? 0);
  }

  describe('wallets', () => {
    it('lists a wallet for every guild the caller owns or works in, with the §8 shape', async () => {
      const owner = await registerUser(s.http);
      const worker = await registerUser(s.http);
      const g1 = await guildOf(owner);
      const g2 = await guildOf(worker);
      await s.sql(`INSERT INTO members (guild_id, user_id) VALUES ($1, $2)`, [g1, worker.id]);

      const mine = await s.http.get('/api/wallets').set('Authorization', worker.auth);
      expect(mine.status).toBe(200);
      expect(mine.body).toEqual({ object: 'List', url: '/api/wallets', has_more: false, page: 1, data: expect.any(Array) });
      expect(mine.body.data.map((w: { guild_id: string }) => w.guild_id).sort()).toEqual([g1, g2].sort());
      const w = mine.body.data[0];
      expect(w).toEqual({
        object: 'Wallet',
        id: expect.stringMatching(/^\d+$/),
        guild_id: expect.stringMatching(/^\d+$/),
        balance: '$0.00',
        balance_cents: 0,
        transactions: [],
        created: expect.stringMatching(TIME),
        updated: expect.stringMatching(TIME),
      });
      // listing twice creates nothing new
      const again = await s.http.get('/api/wallets').set('Authorization', worker.auth);
      expect(again.body.data.map((x: { id: string }) => x.id)).toEqual(mine.body.data.map((x: { id: string }) => x.id));

      const one = await s.http.get(`/api/wallets/${w.id}`).set('Authorization', worker.auth);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(w);
      const alias = await s.http.get(`/api/wallet/${w.id}`).set('Authorization', worker.auth);
      expect(alias.body).toEqual(w);

      expect((await s.http.get(`/api/wallets/${w.id}`).set('Authorization', owner.auth)).status).toBe(404);
      expect((await s.http.get(`/api/wallets/${w.id}/transactions`).set('Authorization', owner.auth)).status).toBe(404);
      expect((await s.http.get(`/api/wallets/abc`).set('Authorization', owner.auth)).status).toBe(404);
      // a removed member keeps the wallet that exists, but no new one is made
      const g3 = await guildOf(owner);
      await s.sql(`INSERT INTO members (guild_id, user_id, status) VALUES ($1, $2, 'removed')`, [g3, worker.id]);
      const after = await s.http.get('/api/wallets').set('Authorization', worker.auth);
      expect(after.body.data).toHaveLength(2);
    });
  });

  describe('payment methods', () => {
    it('attaches a card to a Stripe customer made once, even on concurrent first use, and shows only brand/last4/expiry', async () => {
      const user = await registerUser(s.http);
      const results = await Promise.all(Array.from({ length: 5 }, () => addCard(user)));
      for (const r of results) {
        expect(r.status).toBe(201);
        expect(r.body).toEqual({
          object: 'PaymentMethod',
          id: expect.stringMatching(/^\d+$/),
          brand: 'Visa',
          last4: '4242',
          exp_month: expect.any(Number),
          exp_year: expect.any(Number),
          created: expect.stringMatching(TIME),
        });
      }
      const [u] = await s.sql<{ stripe_customer_id: string }>(`SELECT stripe_customer_id FROM users WHERE id = $1`, [user.id]);
      expect(u.stripe_customer_id).toMatch(/^cus_/);
      // the one customer holds the five cards (asked of the processor, not of our table)
      // (the mock lists no sources, so each card is fetched from that customer by its id)
      const stored = await s.sql<{ stripe_source_id: string }>(`SELECT stripe_source_id FROM payment_methods WHERE user_id = $1`, [user.id]);
      expect(new Set(stored.map((r) => r.stripe_source_id)).size).toBe(5);
      for (const r of stored)
        expect(await stripe.customers.retrieveSource(u.stripe_customer_id, r.stripe_source_id)).toEqual(
          expect.objectContaining({ id: r.stripe_source_id, customer: u.stripe_customer_id }),
        );
      const customers = await stripe.customers.list({ limit: 100 });
      expect(customers.data.filter((c) => c.metadata?.openguilds_user_id === String(user.id))).toHaveLength(1);

      const list = await s.http.get('/api/payment_methods').set('Authorization', user.auth);
      expect(list.status).toBe(200);
      expect(list.body.object).toBe('List');
      expect(list.body.url).toBe('/api/payment_methods');
      expect(list.body.data).toHaveLength(5);
      const sources = await s.sql<{ stripe_source_id: string }>(`SELECT stripe_source_id FROM payment_methods WHERE user_id = $1`, [user.id]);
      const text = JSON.stringify(list.body) + s.logs.text();
      for (const src of sources) expect(text).not.toContain(src.stripe_source_id);
      expect(s.logs.text()).not.toContain('tok_visa');
      const other = await registerUser(s.http);
      expect((await s.http.get('/api/payment_methods').set('Authorization', other.auth)).body.data).toEqual([]);
    });

    it('a card Stripe declines on attach is a 402 with the decline code, and nothing is stored', async () => {
      const user = await registerUser(s.http);
      const res = await addCard(user, 'tok_chargeDeclined');
      expect(res.status).toBe(402);
      expect(res.body).toEqual(expect.objectContaining({ status: 402, type: 'PaymentRequired', decline_code: 'generic_decline', code: 'card_declined' }));
      expect(await s.sql(`SELECT 1 FROM payment_methods WHERE user_id = $1`, [user.id])).toHaveLength(0);
    });

    it('validates the source', async () => {
      const user = await registerUser(s.http);
      const res = await s.http.post('/api/payment_methods').set('Authorization', user.auth).send({});
      expect(res.status).toBe(422);
      expect(res.body.details[0].field).toBe('source');
    });
  });

  // MoneyService.payForBatch's own contract, with a stand-in for the batch side (`pay` above);
  // paying a real batch through the route, concurrently, is the next describe.
  describe('MoneyService.fundPayment + debitPayment (service level, stand-in batch)', () => {
    it('charges the shortfall, debits the wallet into escrow and returns the Guild Debit', async () => {
      const user = await registerUser(s.http);
      const g = await guildOf(user);
      const b = await batchIn(g, user);
      expect((await addCard(user)).status).toBe(201);

      const entry = await pay(user, g, b, 600);
      expect(presentTransaction(entry)).toEqual({
        object: 'Transaction',
        id: expect.stringMatching(/^\d+$/),
        type: 'Guild Debit',
        amount: '$6.00',
        amount_cents: 600,
        reason: 'payment',
        batch_id: b,
        created: expect.stringMatching(TIME),
      });
      expect(entry.amountCents).toBe(-600);

      const wallet = await walletOf(user, g);
      expect(wallet!.balance).toBe(0);
      expect(await escrowOf(g)).toBe(600);
      const charges = await s.sql<{ amount_cents: string; status: string; purpose_key: string }>(`SELECT * FROM card_charges WHERE user_id = $1`, [user.id]);
      expect(charges).toEqual([expect.objectContaining({ amount_cents: '600', status: 'succeeded', purpose_key: `batch:${b}:charge:1` })]);
      expect(await stripeChargesFor(`batch:${b}`)).toHaveLength(1);

      const res = await s.http.get(`/api/wallets/${wallet!.id}`).set('Authorization', user.auth);
      expect(res.body.balance_cents).toBe(0);
      expect(res.body.transactions).toEqual([
        {
          object: 'Transaction',
          id: entry.id,
          type: 'Guild Debit',
          amount: '$6.00',
          amount_cents: 600,
          reason: 'payment',
          batch_id: b,
          created: expect.stringMatching(TIME),
        },
        {
          object: 'Transaction',
          id: expect.any(String),
          type: 'Fiat Credit',
          amount: '$6.00',
          amount_cents: 600,
          reason: 'charge',
          batch_id: null,
          created: expect.stringMatching(TIME),
        },
      ]);
      const v2 = await s.http.get(`/api/wallets/${wallet!.id}`).set('Authorization', user.auth).set('OpenGuilds-Version', '2018-12-18');
      expect(v2.body.transactions).toEqual({
        object: 'List',
        url: `/api/wallets/${wallet!.id}/transactions`,
        has_more: false,
        page: 1,
        data: res.body.transactions,
      });
      const txs = await s.http.get(`/api/wallets/${wallet!.id}/transactions?limit=1`).set('Authorization', user.auth);
      expect(txs.body).toEqual({ object: 'List', url: `/api/wallets/${wallet!.id}/transactions`, has_more: true, page: 1, data: [res.body.transactions[0]] });
      const p2 = await s.http.get(`/api/wallets/${wallet!.id}/transactions?limit=1&page=2`).set('Authorization', user.auth);
      expect(p2.body.data).toEqual([res.body.transactions[1]]);
      expect(p2.body.has_more).toBe(false);

      // paying again: the harness's 409, and no second charge or debit
      await expect(pay(user, g, b, 600)).rejects.toMatchObject({ status: 409 });
      expect(await s.sql(`SELECT 1 FROM card_charges WHERE user_id = $1`, [user.id])).toHaveLength(1);
      expect(await s.sql(`SELECT 1 FROM ledger_transactions WHERE business_key = $1`, [`batch:${b}:payment`])).toHaveLength(1);
      await expectLedgerInvariant(s);
    });

    it('uses the wallet balance first and charges only the difference; refunds and rewards are idempotent', async () => {
      const user = await registerUser(s.http);
      const worker = await registerUser(s.http);
      const g = await guildOf(user);
      await addCard(user);
      const b1 = await batchIn(g, user);
      await pay(user, g, b1, 1000);
      await inTransaction(dataSource(), async (em) => {
        await money().refund(em, { guildId: g, requesterUserId: user.id, amountCents: 400, businessKey: `batch:${b1}:refund`, batchId: b1 });
        await money().refund(em, { guildId: g, requesterUserId: user.id, amountCents: 400, businessKey: `batch:${b1}:refund`, batchId: b1 });
        await money().reward(em, { guildId: g, memberUserId: worker.id, amountCents: 250, businessKey: `work:1:reward`, batchId: b1 });
      });
      await inTransaction(dataSource(), (em) => money().reward(em, { guildId: g, memberUserId: worker.id, amountCents: 250, businessKey: `work:1:reward` }));
      expect((await walletOf(user, g))!.balance).toBe(400);
      expect((await walletOf(worker, g))!.balance).toBe(250);
      expect(await escrowOf(g)).toBe(350);
      const ww = await s.http.get('/api/wallets').set('Authorization', worker.auth);
      expect(ww.body.data[0].transactions).toEqual([
        {
          object: 'Transaction',
          id: expect.any(String),
          type: 'Guild Credit',
          amount: '$2.50',
          amount_cents: 250,
          reason: 'reward',
          batch_id: b1,
          created: expect.any(String),
        },
      ]);

      const b2 = await batchIn(g, user);
      await pay(user, g, b2, 600);
      const [c] = await s.sql<{ amount_cents: string }>(`SELECT amount_cents FROM card_charges WHERE purpose_key = $1`, [`batch:${b2}:charge:1`]);
      expect(c.amount_cents).toBe('200');
      expect((await walletOf(user, g))!.balance).toBe(0);

      // enough in the wallet: no charge at all
      await inTransaction(dataSource(), (em) =>
        money().refund(em, { guildId: g, requesterUserId: user.id, amountCents: 300, businessKey: `batch:${b2}:refund` }),
      );
      const b3 = await batchIn(g, user);
      await pay(user, g, b3, 300);
      expect(await s.sql(`SELECT 1 FROM card_charges WHERE purpose_key LIKE $1`, [`batch:${b3}:%`])).toHaveLength(0);
      await expectLedgerInvariant(s);
    });

    it("a shortfall under Stripe's 50¢ minimum is charged as 50¢ and the rest stays in the wallet", async () => {
      const user = await registerUser(s.http);
      const g = await guildOf(user);
      await addCard(user);
      await pay(user, g, await batchIn(g, user), 30);
      const charges = await s.sql<{ amount_cents: string; status: string }>(`SELECT amount_cents, status FROM card_charges WHERE user_id = $1`, [user.id]);
      expect(charges).toEqual([{ amount_cents: '50', status: 'succeeded' }]);
      expect((await walletOf(user, g))!.balance).toBe(20);
      expect(await escrowOf(g)).toBe(30);
      await expectLedgerInvariant(s);
    });

    it('a zero amount moves nothing and still marks the batch', async () => {
      const user = await registerUser(s.http);
      const g = await guildOf(user);
      const b = await batchIn(g, user);
      const entry = await pay(user, g, b, 0);
      expect(presentTransaction(entry)).toEqual(expect.objectContaining({ type: 'Guild Debit', amount: '$0.00', amount_cents: 0 }));
      expect((await s.sql<{ status: string }>(`SELECT status FROM batches WHERE id = $1`, [b]))[0].status).toBe('processing');
      expect(
        await s.sql(`SELECT 1 FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.ledger_transaction_id WHERE t.business_key = $1`, [
          `batch:${b}:payment`,
        ]),
      ).toHaveLength(0);
      await expect(pay(user, g, b, 0)).rejects.toMatchObject({ status: 409 });
      await expectLedgerInvariant(s);
    });

    it('when the batch step throws, the debit rolls back but the charged money stays in the wallet; a retry does not charge again', async () => {
      const user = await registerUser(s.http);
      const g = await guildOf(user);
      const b = await batchIn(g, user);
      await addCard(user);
      await expect(
        pay(user, g, b, 700, () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await walletOf(user, g))!.balance).toBe(700);
      expect((await s.sql<{ status: string }>(`SELECT status FROM batches WHERE id = $1`, [b]))[0].status).toBe('unpaid');
      expect(await s.sql(`SELECT 1 FROM ledger_transactions WHERE business_key = $1`, [`batch:${b}:payment`])).toHaveLength(0);
      await expectLedgerInvariant(s);
      await pay(user, g, b, 700);
      expect(await s.sql(`SELECT 1 FROM card_charges WHERE purpose_key LIKE $1`, [`batch:${b}:%`])).toHaveLength(1);
      expect(await stripeChargesFor(`batch:${b}`)).toHaveLength(1);
      expect((await walletOf(user, g))!.balance).toBe(0);
      await expectLedgerInvariant(s);
    });

    it('no card: 402 and nothing changes', async () => {
      const user = await registerUser(s.http);
      const g = await guildOf(user);
      const b = await batchIn(g, user);
      await expect(pay(user, g, b, 500)).rejects.toMatchObject({ status: 402, type: 'PaymentRequired', extra: { code: 'no_payment_method' } });
      expect(await s.sql(`SELECT 1 FROM card_charges WHERE user_id = $1`, [user.id])).toHaveLength(0);
      expect(await s.sql(`SELECT 1 FROM ledger_transactions WHERE business_key LIKE $1`, [`batch:${b}:%`])).toHaveLength(0);
      expect((await s.sql<{ status: string }>(`SELECT status FROM batches WHERE id = $1`, [b]))[0].status).toBe('unpaid');
      await expectLedgerInvariant(s);
    });

    it('a declined charge: 402 with the decline code, only a failed card_charges row, no ledger transaction', async () => {
      const user = await registerUser(s.http);
      const g = await guildOf(user);
      const b = await batchIn(g, user);
      // tok_chargeCustomerFail attaches fine and is declined when charged (tok_chargeDeclined is declined already on attach)
      expect((await addCard(user, 'tok_chargeCustomerFail')).status).toBe(201);
      const before = await s.sql<{ n: string }>(`SELECT count(*) AS n FROM ledger_transactions`);
      const err = await pay(user, g, b, 500).catch((e) => e);
      expect(err).toMatchObject({ status: 402, type: 'PaymentRequired', extra: { decline_code: 'generic_decline', code: 'card_declined' } });
      expect(await s.sql(`SELECT status, decline_code FROM card_charges WHERE user_id = $1`, [user.id])).toEqual([
        { status: 'failed', decline_code: 'generic_decline' },
      ]);
      expect(await s.sql<{ n: string }>(`SELECT count(*) AS n FROM ledger_transactions`)).toEqual(before);
      expect((await walletOf(user, g))!.balance).toBe(0);
      expect((await s.sql<{ status: string }>(`SELECT status FROM batches WHERE id = $1`, [b]))[0].status).toBe('unpaid');
      await expectLedgerInvariant(s);

      // a good card afterwards: a new, numbered charge goes through
      await addCard(user);
      await pay(user, g, b, 500);
      expect(await s.sql(`SELECT purpose_key, status FROM card_charges WHERE user_id = $1 ORDER BY id`, [user.id])).toEqual([
        { purpose_key: `batch:${b}:charge:1`, status: 'failed' },
        { purpose_key: `batch:${b}:charge:2`, status: 'succeeded' },
      ]);
      await expectLedgerInvariant(s);
    });
  });

  describe('paying a batch through POST /api/batches/:id/debits, concurrently', () => {
    /** a guild, a task and an unpaid batch of 3 data at 250¢ + the platform fee, all through the routes */
    async function unpaidBatch(owner: TestUser): Promise<{ guildId: string; batchId: string; cost: number }> {
      const p = await setUpPipeline(s, owner, { input_parameters: ['q'], tasks: [{ name: 'a', minimum_amount_cents: 250 }] });
      const b = await s.http
        .post(`/api/guilds/${p.guildId}/batches`)
        .set('Authorization', owner.auth)
        .send({ batch: { data: [{ q: '1' }, { q: '2' }, { q: '3' }] } });
      expect(b.status).toBe(201);
      expect(b.body.status).toBe('unpaid');
      expect(b.body.cost_cents).toBeGreaterThan(0);
      return { guildId: p.guildId, batchId: b.body.id, cost: b.body.cost_cents };
    }
    async function expectPaidOnce(owner: TestUser, guildId: string, batchId: string, cost: number): Promise<void> {
      expect(await s.sql(`SELECT 1 FROM card_charges WHERE purpose_key LIKE $1`, [`batch:${batchId}:%`])).toHaveLength(1);
      expect(await stripeChargesFor(`batch:${batchId}`)).toHaveLength(1);
      expect(await s.sql(`SELECT 1 FROM ledger_transactions WHERE business_key = $1`, [`batch:${batchId}:payment`])).toHaveLength(1);
      expect((await walletOf(owner, guildId))!.balance).toBe(0);
      expect(await escrowOf(guildId)).toBe(cost);
      const batch = await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth);
      expect(batch.body.status).toBe('processing');
      await expectLedgerInvariant(s);
    }

    it('20 concurrent POSTs without Idempotency-Key: one 201 Guild Debit, 19 × 409; one charge, one debit', async () => {
      const owner = await registerUser(s.http);
      expect((await addCard(owner)).status).toBe(201);
      const { guildId, batchId, cost } = await unpaidBatch(owner);
      const results = await Promise.all(Array.from({ length: 20 }, () => s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth)));
      // on a loaded box a request may also get the contract's 503 (retry): never a second 201
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => ![201, 409, 503].includes(r.status)).map((r) => r.status)).toEqual([]);
      const paid = results.find((r) => r.status === 201)!;
      expect(paid.body).toEqual({
        object: 'Transaction',
        id: expect.stringMatching(/^\d+$/),
        type: 'Guild Debit',
        amount: expect.any(String),
        amount_cents: cost,
        reason: 'payment',
        batch_id: batchId,
        created: expect.stringMatching(TIME),
      });
      for (const r of results.filter((x) => x.status === 409))
        expect(r.body).toEqual(expect.objectContaining({ status: 409, type: expect.any(String), error: expect.any(String) }));
      await expectPaidOnce(owner, guildId, batchId, cost);
    });

    it('20 concurrent POSTs with one Idempotency-Key: every answer is the same 201 Guild Debit; one charge, one debit', async () => {
      const owner = await registerUser(s.http);
      expect((await addCard(owner)).status).toBe(201);
      const { guildId, batchId, cost } = await unpaidBatch(owner);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth).set('Idempotency-Key', `pay-${batchId}`),
        ),
      );
      // a request still waiting after the app's 10 s for the first to finish gets 409 (in progress),
      // and a loaded box may answer 503: a client retries those with the key, and gets the same 201
      const final = [];
      for (let r of results) {
        while (r.status === 409 || r.status === 503)
          r = await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth).set('Idempotency-Key', `pay-${batchId}`);
        final.push(r);
      }
      expect(final.map((r) => r.status)).toEqual(Array(20).fill(201));
      for (const r of final) expect(r.body).toEqual(final[0].body);
      expect(final[0].body).toEqual(expect.objectContaining({ object: 'Transaction', type: 'Guild Debit', amount_cents: cost }));
      await expectPaidOnce(owner, guildId, batchId, cost);
      // a later retry with the key replays; without it, the batch is already paid
      const retry = await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth).set('Idempotency-Key', `pay-${batchId}`);
      expect({ status: retry.status, body: retry.body }).toEqual({ status: 201, body: final[0].body });
      expect((await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth)).status).toBe(409);
      await expectPaidOnce(owner, guildId, batchId, cost);
    });
  });

  describe('Stripe unreachable', () => {
    let dead: RunningServer;
    beforeAll(async () => {
      dead = await startServer(
        { ...s.config, port: 0, stripeApiUrl: 'http://127.0.0.1:9', stripeSecretKey: 'sk_test_unreachable', publicUrl: '' },
        { skipMigrations: true, logStream: new CapturedLogs() },
      );
    });
    afterAll(() => dead.close());

    it('leaves a pending charge and nothing else; a retry reuses its idempotency key and amount and charges once', async () => {
      const user = await registerUser(s.http);
      const g = await guildOf(user);
      const b = await batchIn(g, user);
      await addCard(user);
      const deadMoney = dead.app.get(MoneyService);
      // the money must be there before anything else happens: funding fails, nothing follows
      const attempt = () => deadMoney.fundPayment({ payerUserId: user.id, guildId: g, batchId: b, amountCents: 900, purposeKey: `batch:${b}` });
      await expect(attempt()).rejects.toMatchObject({ status: 503, type: 'ServiceUnavailable' });
      await expect(attempt()).rejects.toMatchObject({ status: 503 });
      expect(await s.sql(`SELECT purpose_key, status, amount_cents FROM card_charges WHERE user_id = $1`, [user.id])).toEqual([
        { purpose_key: `batch:${b}:charge:1`, status: 'pending', amount_cents: '900' },
      ]);
      expect(await s.sql(`SELECT 1 FROM ledger_transactions WHERE business_key LIKE $1`, [`batch:${b}:%`])).toHaveLength(0);
      expect((await walletOf(user, g))!.balance).toBe(0);
      expect((await s.sql<{ status: string }>(`SELECT status FROM batches WHERE id = $1`, [b]))[0].status).toBe('unpaid');
      await expectLedgerInvariant(s);

      // Stripe is back (the first server): the same pending row is resumed with its idempotency
      // key, card and amount, and nothing is charged twice.
      await pay(user, g, b, 900);
      expect(await s.sql(`SELECT purpose_key, status, amount_cents FROM card_charges WHERE user_id = $1`, [user.id])).toEqual([
        { purpose_key: `batch:${b}:charge:1`, status: 'succeeded', amount_cents: '900' },
      ]);
      const charged = await stripeChargesFor(`batch:${b}`);
      expect(charged.map((c) => [c.amount, c.metadata.purpose_key])).toEqual([[900, `batch:${b}:charge:1`]]);
      expect(await escrowOf(g)).toBe(900);
      await expectLedgerInvariant(s);
    });

    it('adding a card while Stripe is down is a 503 and stores nothing', async () => {
      const user = await registerUser(s.http);
      const res = await request(dead.url).post('/api/payment_methods').set('Authorization', user.auth).send({ source: 'tok_visa' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      expect(await s.sql(`SELECT 1 FROM payment_methods WHERE user_id = $1`, [user.id])).toHaveLength(0);
    });
  });

  describe('payouts', () => {
    async function fundedMember(cents: number) {
      const owner = await registerUser(s.http);
      const worker = await registerUser(s.http);
      const g = await guildOf(owner);
      await s.sql(`INSERT INTO members (guild_id, user_id) VALUES ($1, $2)`, [g, worker.id]);
      await addCard(owner);
      const b = await batchIn(g, owner);
      await pay(owner, g, b, cents);
      await inTransaction(dataSource(), (em) =>
        money().reward(em, { guildId: g, memberUserId: worker.id, amountCents: cents, businessKey: `test:${b}:reward`, batchId: b }),
      );
      const wallet = (await walletOf(worker, g))!;
      return { owner, worker, g, wallet };
    }

    it('request, approve (a Fiat Debit), decline, list; with the §8 shapes and the rules', async () => {
      const { owner, worker, g, wallet } = await fundedMember(1000);
      const req = await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', worker.auth).send({ amount_cents: 600 });
      expect(req.status).toBe(201);
      expect(req.body).toEqual({
        object: 'Payout',
        id: expect.stringMatching(/^\d+$/),
        wallet_id: wallet.id,
        amount: '$6.00',
        amount_cents: 600,
        status: 'requested',
        created: expect.stringMatching(TIME),
        updated: expect.stringMatching(TIME),
      });

      expect((await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', worker.auth).send({ amount_cents: 1001 })).status).toBe(422);
      expect((await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', worker.auth).send({ amount_cents: 0 })).status).toBe(422);
      expect((await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', worker.auth).send({ amount_cents: 1.5 })).status).toBe(422);
      expect((await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', owner.auth).send({ amount_cents: 1 })).status).toBe(404);

      expect((await s.http.post(`/api/payouts/${req.body.id}/approve`).set('Authorization', worker.auth)).status).toBe(404);
      const ok = await s.http.post(`/api/payouts/${req.body.id}/approve`).set('Authorization', owner.auth);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ ...req.body, status: 'approved', updated: expect.stringMatching(TIME) });
      expect((await s.http.post(`/api/payouts/${req.body.id}/approve`).set('Authorization', owner.auth)).status).toBe(409);
      expect((await s.http.post(`/api/payouts/${req.body.id}/decline`).set('Authorization', owner.auth)).status).toBe(409);

      const w = await s.http.get(`/api/wallets/${wallet.id}`).set('Authorization', worker.auth);
      expect(w.body.balance_cents).toBe(400);
      expect(w.body.transactions[0]).toEqual({
        object: 'Transaction',
        id: expect.any(String),
        type: 'Fiat Debit',
        amount: '$6.00',
        amount_cents: 600,
        reason: 'payout',
        batch_id: null,
        created: expect.any(String),
      });

      const second = await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', worker.auth).send({ amount_cents: 100 });
      const declined = await s.http.post(`/api/payouts/${second.body.id}/decline`).set('Authorization', owner.auth);
      expect(declined.status).toBe(200);
      expect(declined.body.status).toBe('declined');

      const list = await s.http.get(`/api/guilds/${g}/payouts`).set('Authorization', owner.auth);
      expect(list.status).toBe(200);
      expect(list.body).toEqual({ object: 'List', url: `/api/guilds/${g}/payouts`, has_more: false, page: 1, data: [declined.body, ok.body] });
      expect((await s.http.get(`/api/guilds/${g}/payouts`).set('Authorization', worker.auth)).status).toBe(404);
      await expectLedgerInvariant(s);
    });

    it('20 concurrent approvals that together exceed the balance: only what fits is approved', async () => {
      const { owner, worker, wallet } = await fundedMember(2000);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', worker.auth).send({ amount_cents: 150 });
        expect(r.status).toBe(201);
        ids.push(r.body.id);
      }
      const results = await Promise.all(ids.map((id) => s.http.post(`/api/payouts/${id}/approve`).set('Authorization', owner.auth)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((x) => x === 200)).toHaveLength(13);
      expect(statuses.filter((x) => x === 409)).toHaveLength(7);
      expect(
        (await walletOf(worker, (await s.sql<{ guild_id: string }>(`SELECT guild_id FROM ledger_accounts WHERE id = $1`, [wallet.id]))[0].guild_id))!.balance,
      ).toBe(50);
      const rows = await s.sql<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM payouts WHERE account_id = $1 GROUP BY status ORDER BY status`,
        [wallet.id],
      );
      expect(rows).toEqual([
        { status: 'approved', n: '13' },
        { status: 'requested', n: '7' },
      ]);
      await expectLedgerInvariant(s);
    });

    it('honours Idempotency-Key: a retry replays, concurrent retries make one payout, another path is a 422', async () => {
      const { worker, wallet } = await fundedMember(1000);
      const post = (key: string, cents = 100) =>
        s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', worker.auth).set('Idempotency-Key', key).send({ amount_cents: cents });
      const first = await post('k-1');
      expect(first.status).toBe(201);
      const again = await post('k-1');
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);

      const burst = await Promise.all(Array.from({ length: 10 }, () => post('k-2')));
      for (const r of burst) expect([201, 409]).toContain(r.status);
      const created = burst.filter((r) => r.status === 201);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      expect(await s.sql(`SELECT 1 FROM payouts WHERE account_id = $1`, [wallet.id])).toHaveLength(2);

      // a stored 422 is replayed too (the same request; another body with the key is a 422 of its own)
      const bad = await post('k-3', 100000);
      expect(bad.status).toBe(422);
      expect((await post('k-3', 100000)).body).toEqual(bad.body);

      const other = await s.http.post(`/api/payouts/${first.body.id}/decline`).set('Authorization', worker.auth).set('Idempotency-Key', 'k-1');
      expect(other.status).toBe(422);
      expect(other.body.details[0].field).toBe('Idempotency-Key');
      await expectLedgerInvariant(s);
    });
  });
});
