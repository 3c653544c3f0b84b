import { registerUser, TestUser } from '../support/fixtures';
import { createGuild, createTask } from '../support/guild-fixtures';
import { expectLedgerInvariant } from '../support/ledger';
import { startTestServer, TestServer } from '../support/server';

/**
 * Issue 13: a batch whose cost passed 2^53 cents was a 500 *and was stored*; afterwards GET of
 * the batch, the batch list and pay all answered 500 for that owner. Now a 422 and nothing stored.
 * 91 tasks at the largest task price (1,000,000.00 $) make 9.1e9 cents per datum, so 990,000
 * data cost more than 2^53 − 1 cents (the server's data limit is raised for this test only).
 */
describe('amounts beyond 2^53 − 1 cents: 422, nothing stored, lists stay readable', () => {
  let s: TestServer;
  let owner: TestUser;
  let guildId: string;
  const TASKS = 91;
  const PRICE = 100_000_000;

  beforeAll(async () => {
    s = await startTestServer({ maxBatchData: 1_000_000 });
    owner = await registerUser(s.http);
    guildId = (await createGuild(s.http, owner)).id as string;
    for (let i = 0; i < TASKS; i += 10) {
      await Promise.all(
        Array.from({ length: Math.min(10, TASKS - i) }, (_, j) => createTask(s.http, owner, guildId, { name: `T${i + j}`, minimum_amount_cents: PRICE })),
      );
    }
  }, 120_000);
  afterAll(() => s.close());

  const batches = async () => Number((await s.sql<{ n: string }>('SELECT count(*) AS n FROM batches WHERE owner_id = $1', [owner.id]))[0].n);

  it('a batch that would cost more is refused with 422 on its data, and nothing is stored', async () => {
    const n = 990_000;
    expect(n * TASKS * PRICE).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    const body = `{"batch":{"data":[${Array(n).fill('{}').join(',')}]}}`;
    const res = await s.http.post(`/api/guilds/${guildId}/batches`).set('Authorization', owner.auth).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(422);
    expect(res.body.details[0].field).toBe('batch.data');
    expect(await batches()).toBe(0);
  }, 120_000);

  it('adding data past the limit to an unpaid batch is refused too; the batch, the list and pay stay readable', async () => {
    const b = await s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{}] } });
    expect(b.status).toBe(201);
    const more = `{"data":[${Array(990_000).fill('{}').join(',')}]}`;
    const res = await s.http.post(`/api/batches/${b.body.id}/data`).set('Authorization', owner.auth).set('Content-Type', 'application/json').send(more);
    expect(res.status).toBe(422);
    expect(res.body.details[0].field).toBe('data');
    const one = await s.http.get(`/api/batches/${b.body.id}`).set('Authorization', owner.auth);
    expect(one.status).toBe(200);
    expect(one.body.cost_cents).toBe(TASKS * PRICE);
    expect((await s.http.get('/api/batches').set('Authorization', owner.auth)).status).toBe(200);
    // pay answers (402: no card), not 500
    expect((await s.http.post(`/api/batches/${b.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(402);
    await expectLedgerInvariant(s);
  }, 120_000);
});
