import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { registerUser, TestUser } from './support/fixtures';
import { ProcessServer, startProcessServer } from './support/process-server';
import { eventually, startReceiver, WebhookReceiver } from './support/webhook-receiver';

/**
 * Crash safety with the server as a real process: the outbox row survives a SIGKILL, and a claim
 * held by the killed process lapses (timeout + margin) so the restarted process sends it.
 */
describe('webhooks survive a crash (SIGKILL) of the server process', () => {
  let ps: ProcessServer;
  let owner: TestUser;
  let r: WebhookReceiver;
  const SECRET = 'crash-test-secret-0d9f7c';

  beforeAll(async () => {
    ps = await startProcessServer({ env: { WEBHOOK_RETRY_SCHEDULE: '1,1,1', WEBHOOK_TIMEOUT_MS: '1000' } });
    owner = await registerUser(ps.http);
  }, 180_000);
  afterAll(async () => {
    await r?.close();
    await ps?.close();
  });

  async function batchWithWebhook(): Promise<{ batchId: string; webhookId: string }> {
    const [g] = await ps.sql<{ id: string }>(`INSERT INTO guilds (owner_id, name) VALUES ($1, 'g') RETURNING id`, [owner.id]);
    const [b] = await ps.sql<{ id: string }>(`INSERT INTO batches (guild_id, owner_id, status) VALUES ($1, $2, 'processing') RETURNING id`, [g.id, owner.id]);
    const res = await ps.http.post(`/api/batches/${b.id}/webhooks`).set('Authorization', owner.auth).send({ destination: r.url, secret: SECRET });
    expect(res.status).toBe(201);
    return { batchId: String(b.id), webhookId: res.body.id };
  }

  /** What the batches module does when the batch completes, in one transaction (with the NOTIFY). */
  async function completeBySql(batchId: string, payload: string): Promise<void> {
    const c = new Client({ connectionString: ps.db.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query(`UPDATE batches SET status = 'completed', completed_at = now() WHERE id = $1`, [batchId]);
      await c.query(
        `INSERT INTO webhook_deliveries (webhook_id, event_id, payload, status, next_attempt_at)
         SELECT id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), $2, 'pending', now() FROM webhooks WHERE batch_id = $1 AND deleted_at IS NULL`,
        [batchId, payload],
      );
      await c.query(`SELECT pg_notify('og_webhook_deliveries', '')`);
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  it('delivers after a kill in the middle of an attempt (the claim lapses, the new process sends)', async () => {
    r = await startReceiver((n) => (n === 1 ? 'hang' : 200));
    const { batchId, webhookId } = await batchWithWebhook();
    const payload = JSON.stringify({ object: 'Batch', id: batchId, status: 'completed' });
    await completeBySql(batchId, payload);
    await r.waitFor(1); // the attempt is in flight
    const exit = await ps.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const [held] = await ps.sql<{ status: string; locked: boolean }>(
      `SELECT d.status, d.locked_until > now() AS locked FROM webhook_deliveries d WHERE webhook_id = $1`,
      [webhookId],
    );
    expect(held).toEqual({ status: 'pending', locked: true });
    await ps.start();
    await r.waitFor(2, 30_000);
    expect(r.requests[1].headers['webhook-id']).toBe(r.requests[0].headers['webhook-id']);
    expect(r.requests[1].body).toBe(payload);
    new Webhook(SECRET, { format: 'raw' }).verify(r.requests[1].body, r.requests[1].headers);
    const [d] = await eventually(async () => {
      const rows = await ps.sql<{ status: string; attempt_count: number }>(`SELECT status, attempt_count FROM webhook_deliveries WHERE webhook_id = $1`, [webhookId]);
      return rows[0]?.status === 'succeeded' ? rows : undefined;
    });
    expect(d.attempt_count).toBe(1); // the killed attempt left no record; the one that landed is attempt 1
  }, 60_000);

  it('delivers an event queued just before the kill', async () => {
    await r.close();
    r = await startReceiver(() => 200);
    const { batchId } = await batchWithWebhook();
    await completeBySql(batchId, JSON.stringify({ object: 'Batch', id: batchId }));
    await ps.kill('SIGKILL');
    await ps.start();
    await r.waitFor(1, 30_000);
    new Webhook(SECRET, { format: 'raw' }).verify(r.requests[0].body, r.requests[0].headers);
  }, 60_000);

  it('shuts down gracefully on SIGTERM and never logs the secret', async () => {
    const exit = await ps.stop();
    expect(exit.code).toBe(0);
    expect(ps.logs()).toContain('webhook delivered');
    expect(ps.logs()).not.toContain(SECRET);
  });
});
