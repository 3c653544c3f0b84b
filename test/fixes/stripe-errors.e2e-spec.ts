import { registerUser, TestUser } from '../support/fixtures';
import { expectLedgerInvariant } from '../support/ledger';
import { startTestServer, TestServer } from '../support/server';
import { giveCard, setUpPipeline } from '../support/work-fixtures';

/**
 * Issue 13: a Stripe 4xx that is not a card error (a customer or card unknown to the processor)
 * was answered 503 "safe to retry", so clients retried forever. Now a 4xx that says what is wrong
 * (or 502 when it is ours); 503 stays for Stripe unreachable. The stored processor ids are made
 * unknown to the processor the way it happens for real (a database restored from another Stripe
 * account or mode; the Stripe mock cannot delete objects), then everything else goes through HTTP.
 */
describe('Stripe refusals that are not card errors: a 4xx or 502 that says what is wrong, not 503', () => {
  let s: TestServer;

  beforeAll(async () => (s = await startTestServer()));
  afterAll(() => s.close());

  async function unpaidBatch(owner: TestUser) {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 700 }] });
    const b = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ a: '1' }] } });
    expect(b.status).toBe(201);
    return b.body.id as string;
  }

  it('the card on file is unknown to the processor: paying is a 402 saying to add a card; a new card then pays', async () => {
    const owner = await registerUser(s.http);
    await giveCard(s, owner);
    await s.sql(`UPDATE payment_methods SET stripe_source_id = 'card_from_another_account' WHERE user_id = $1`, [owner.id]);
    const batchId = await unpaidBatch(owner);
    const res = await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth);
    expect(res.status).not.toBe(503);
    expect(res.status).toBe(402);
    expect(res.body).toEqual(expect.objectContaining({ type: 'PaymentRequired', code: 'payment_method_unknown' }));
    expect(res.body.error).toMatch(/add a card/);
    expect((await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body.status).toBe('unpaid');
    await giveCard(s, owner);
    expect((await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    await expectLedgerInvariant(s);
  });

  it('the stored customer is unknown to the processor: adding a card or paying is a 502 (ours to fix), not a 503', async () => {
    const owner = await registerUser(s.http);
    await giveCard(s, owner);
    await s.sql(`UPDATE users SET stripe_customer_id = 'cus_from_another_account' WHERE id = $1`, [owner.id]);
    const res = await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' });
    expect(res.status).toBe(502);
    expect(res.body).toEqual(expect.objectContaining({ type: 'BadGateway', status: 502 }));
    expect(res.body.error).toMatch(/retrying will not help/);
    expect(res.headers['retry-after']).toBeUndefined();
    // paying: the same
    const batchId = await unpaidBatch(owner);
    const pay = await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth);
    expect(pay.status).toBe(502);
    await expectLedgerInvariant(s);
  });

  it('a card token the processor does not know: 422 on source', async () => {
    const owner = await registerUser(s.http);
    const res = await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_does_not_exist' });
    expect(res.status).toBe(422);
    expect(res.body.details[0].field).toBe('source');
  });

  it('Stripe unreachable is still a 503 with Retry-After', async () => {
    const owner = await registerUser(s.http);
    const down = await startTestServer({ stripeApiUrl: 'http://127.0.0.1:1', stripeSecretKey: 'sk_test_unreachable' });
    try {
      const o = await registerUser(down.http);
      const res = await down.http.post('/api/payment_methods').set('Authorization', o.auth).send({ source: 'tok_visa' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await down.close();
    }
    expect(owner.id).toBeDefined();
  });
});
