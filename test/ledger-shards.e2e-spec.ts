import { Client } from 'pg';
import { registerUser, TestUser } from './support/fixtures';
import { addMember, subscribe } from './support/guild-fixtures';
import { expectLedgerInvariant } from './support/ledger';
import { startTestServer, TestServer } from './support/server';
import { giveCard, Pipeline, setUpPipeline } from './support/work-fixtures';

/**
 * Balances as sums of shard rows (docs/money.md, "Balances as sums of shards"): entries land on
 * shard ledger_transaction_id % 8 of their account, every balance read is Σ shards, debits that
 * need a check take the account's head-row lock, and a deferred trigger refuses at commit a
 * transaction that left a wallet or escrow it debited below zero.
 */
describe('ledger: balances as sums of shards', () => {
  let s: TestServer;
  let owner: TestUser;
  let p: Pipeline;
  const DATA = 12;
  const REWARD = 25;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    await giveCard(s, owner);
    p = await setUpPipeline(s, owner, { tasks: [{ name: 'label', minimum_amount_cents: REWARD }] });
  });
  afterAll(() => s.close());

  /** a raw connection to the test database, for statements the app never sends */
  async function raw(): Promise<Client> {
    const c = new Client({ connectionString: s.db.url });
    await c.connect();
    return c;
  }
  const walletOf = async (u: TestUser) => {
    const list = await s.http.get('/api/wallets').set('Authorization', u.auth);
    expect(list.status).toBe(200);
    return list.body.data.find((w: { guild_id: string }) => String(w.guild_id) === String(p.guildId));
  };
  const shardSum = async (accountId: string) =>
    Number(
      (await s.sql<{ b: string }>(`SELECT coalesce(sum(balance_cents), 0)::text AS b FROM ledger_account_shards WHERE account_id = $1`, [accountId]))[0].b,
    );
  const escrowId = async () =>
    String((await s.sql<{ id: string }>(`SELECT id FROM ledger_account_heads WHERE kind = 'escrow' AND guild_id = $1`, [p.guildId]))[0].id);

  it('pays and rewards through HTTP: the escrow is spread over shards, every balance read is Σ shards', async () => {
    const batch = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: Array.from({ length: DATA }, (_, i) => ({ n: String(i) })) } });
    expect(batch.status).toBe(201);
    expect((await s.http.post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);

    const w = await registerUser(s.http);
    await addMember(s.http, owner, p.guildId, w);
    await subscribe(s.http, w, p.taskIds[0]);
    // several workers at once, so rewards commit concurrently on one escrow
    const work = async () => {
      for (;;) {
        const c = await s.http.post(`/api/tasks/${p.taskIds[0]}/claims`).set('Authorization', w.auth);
        if (c.status === 204) return;
        expect(c.status).toBe(201);
        const sub = await s.http
          .post(`/api/assignments/${c.body.id}/submit`)
          .set('Authorization', w.auth)
          .send({ parameters: { ok: 'yes' } });
        expect(sub.status).toBe(200);
      }
    };
    await Promise.all([work(), work(), work()]);

    const escrow = await escrowId();
    const shards = await s.sql<{ shard: number; balance_cents: string }>(`SELECT shard, balance_cents::text FROM ledger_account_shards WHERE account_id = $1`, [
      escrow,
    ]);
    // one payment and DATA rewards, consecutive ledger transaction ids: more than one shard row
    expect(shards.length).toBeGreaterThan(1);
    expect(await shardSum(escrow)).toBe(0);

    const worker = await walletOf(w);
    expect(worker.balance_cents).toBe(DATA * REWARD);
    expect(await shardSum(String(worker.id))).toBe(DATA * REWARD);
    const requester = await walletOf(owner);
    expect(requester.balance_cents).toBe(await shardSum(String(requester.id)));
    const one = await s.http.get(`/api/wallets/${worker.id}`).set('Authorization', w.auth);
    expect(one.body.balance_cents).toBe(DATA * REWARD);
    await expectLedgerInvariant(s);
  });

  it('the deferred check refuses at commit a debit that skipped the lock and overdraws; a debit that fits commits', async () => {
    const worker = (
      await s.sql<{ id: string; balance_cents: string }>(
        `SELECT a.id, a.balance_cents::text FROM ledger_accounts a WHERE a.kind = 'wallet' AND a.guild_id = $1 AND a.balance_cents > 0 ORDER BY a.id LIMIT 1`,
        [p.guildId],
      )
    )[0];
    const balance = Number(worker.balance_cents);
    expect(balance).toBeGreaterThan(0);
    const escrow = await escrowId();
    const c = await raw();
    const debit = async (key: string, amount: number) => {
      await c.query('BEGIN');
      const [tx] = (await c.query(`INSERT INTO ledger_transactions (kind, business_key) VALUES ('batch_payment', $1) RETURNING id`, [key])).rows;
      await c.query(
        `INSERT INTO ledger_entries (ledger_transaction_id, account_id, amount_cents, type) VALUES ($1, $2, $3, 'Guild Debit'), ($1, $4, $5, 'Guild Credit')`,
        [tx.id, worker.id, -amount, escrow, amount],
      );
      // inside the transaction nothing stops it (no CHECK on a row any more): the statement passes
      return c.query('COMMIT');
    };
    try {
      const err = await debit('test:overdraw', balance + 1).then(
        () => undefined,
        (e: { code?: string; constraint?: string; message?: string }) => e,
      );
      expect(err).toMatchObject({ code: '23514', constraint: 'ledger_accounts_non_negative' });
      expect(err?.message).toMatch(/would be negative/);
      // nothing of it stayed
      expect(await s.sql(`SELECT 1 FROM ledger_transactions WHERE business_key = 'test:overdraw'`)).toHaveLength(0);
      expect(await shardSum(String(worker.id))).toBe(balance);

      // exactly the balance fits: the check refuses only what goes below zero
      await debit('test:exact', balance);
      expect(await shardSum(String(worker.id))).toBe(0);
      // and the escrow, debited by nothing here, is unaffected by the check
      expect(await shardSum(escrow)).toBe(balance);
    } finally {
      await c.end();
    }
    await expectLedgerInvariant(s);
  });

  it('a checked debit waits for the head-row lock, then sees the debit committed before it', async () => {
    // the requester's wallet holds 25¢: a one-datum batch (25¢) is paid with Stripe's 50¢ minimum charge
    const small = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ n: 'x' }] } });
    expect((await s.http.post(`/api/batches/${small.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const requester = await walletOf(owner);
    const before = Number(requester.balance_cents);
    expect(before).toBe(50 - REWARD);
    const payout = await s.http.post(`/api/wallets/${requester.id}/payouts`).set('Authorization', owner.auth).send({ amount_cents: before });
    expect(payout.status).toBe(201);

    const c = await raw();
    try {
      // another debit of the whole balance holds the head lock, as lockForDebit() takes it
      await c.query('BEGIN');
      await c.query(`SELECT 1 FROM ledger_account_heads WHERE id = $1 FOR UPDATE`, [requester.id]);
      const [tx] = (await c.query(`INSERT INTO ledger_transactions (kind, business_key) VALUES ('batch_payment', 'test:locked') RETURNING id`)).rows;
      await c.query(
        `INSERT INTO ledger_entries (ledger_transaction_id, account_id, amount_cents, type) VALUES ($1, $2, $3, 'Guild Debit'), ($1, $4, $5, 'Guild Credit')`,
        [tx.id, requester.id, -before, await escrowId(), before],
      );
      const approval = s.http
        .post(`/api/payouts/${payout.body.id}/approve`)
        .set('Authorization', owner.auth)
        .then((r) => r);
      // the approval is waiting for the head row we hold (it does not read the balance before the lock)
      for (let i = 0; ; i++) {
        const waiting = await s.sql(
          `SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = 'ledger_account_heads'
           UNION ALL SELECT 1 FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`,
        );
        if (waiting.length > 0) break;
        if (i > 200) throw new Error('the payout approval never waited for the wallet lock');
        await new Promise((r) => setTimeout(r, 50));
      }
      await c.query('COMMIT');
      const res = await approval;
      // it waited, read Σ shards after our commit (0) and refused: 409, the payout stays requested
      expect(res.status).toBe(409);
      expect(res.body.error).toMatch(/balance is less than the payout/);
    } finally {
      await c.end();
    }
    expect((await walletOf(owner)).balance_cents).toBe(0);
    await expectLedgerInvariant(s);
  });
});
