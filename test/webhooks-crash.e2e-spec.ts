import { Webhook } from 'standardwebhooks';
import { registerUser, TestUser } from './support/fixtures';
import { addMember, createGuild, createTask, createWorkspace, subscribe } from './support/guild-fixtures';
import { ProcessServer, startProcessServer } from './support/process-server';
import { eventually, startReceiver, WebhookReceiver } from './support/webhook-receiver';

/**
 * Crash safety with the server as a real process, through the app's own path: a worker's submit
 * completes the batch, the app writes the outbox row in that transaction, then the process is
 * SIGKILLed. The event survives the kill; a claim held by the killed process lapses (timeout +
 * margin) so the restarted process sends it.
 */
describe('webhooks survive a crash (SIGKILL) of the server process', () => {
  let ps: ProcessServer;
  let owner: TestUser;
  let worker: TestUser;
  let guildId: string;
  let taskId: string;
  let r: WebhookReceiver;
  const SECRET = 'crash-test-secret-0d9f7c';

  beforeAll(async () => {
    // The attempt timeout must outlast the gap between the receiver seeing the first request and
    // the SIGKILL landing: at 1 s a loaded CI box let the attempt time out (and be recorded) first.
    // A killed attempt's row stays locked for timeout + LOCK_MARGIN_MS (10 s), well inside the waits.
    ps = await startProcessServer({ env: { WEBHOOK_RETRY_SCHEDULE: '1,1,1', WEBHOOK_TIMEOUT_MS: '5000' } });
    owner = await registerUser(ps.http);
    worker = await registerUser(ps.http);
    const guild = await createGuild(ps.http, owner, { input_parameters: ['q'] });
    guildId = guild.id;
    const ws = await createWorkspace(ps.http, owner);
    taskId = (await createTask(ps.http, owner, guildId, { name: 'look', minimum_amount_cents: 10, workspace_id: ws.id })).id;
    await addMember(ps.http, owner, guildId, worker);
    await subscribe(ps.http, worker, taskId);
    expect((await ps.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' })).status).toBe(201);
  }, 300_000); // the first build of the app (tsc) on a loaded box
  afterAll(async () => {
    await r?.close();
    await ps?.close();
  });

  /** A paid one-datum batch with a webhook to the receiver, and the worker's claim on its datum. */
  async function batchAboutToComplete(): Promise<{ batchId: string; webhookId: string; submit: () => Promise<void> }> {
    const b = await ps.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ q: 'only' }], webhooks: [{ destination: r.url, secret: SECRET }] } });
    expect(b.status).toBe(201);
    expect((await ps.http.post(`/api/batches/${b.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const claim = await ps.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', worker.auth);
    expect(claim.status).toBe(201);
    return {
      batchId: b.body.id,
      webhookId: b.body.webhooks[0].id,
      // the last datum's submit: the app completes the batch and queues its webhook, one transaction
      submit: async () => {
        const res = await ps.http
          .post(`/api/assignments/${claim.body.id}/submit`)
          .set('Authorization', worker.auth)
          .send({ parameters: { answer: 'yes' } });
        expect(res.status).toBe(200);
      },
    };
  }

  /** the attempts the owner sees (GET /api/webhooks/:id/deliveries lists attempts, newest first) */
  async function attempts(webhookId: string): Promise<Array<Record<string, unknown>>> {
    const res = await ps.http.get(`/api/webhooks/${webhookId}/deliveries`).set('Authorization', owner.auth);
    expect(res.status).toBe(200);
    return res.body.data;
  }

  function expectCompletedBatch(body: string, batchId: string): void {
    new Webhook(SECRET, { format: 'raw' }).verify(body, r.requests.find((q) => q.body === body)!.headers);
    expect(JSON.parse(body)).toEqual(expect.objectContaining({ object: 'Batch', id: batchId, status: 'completed' }));
  }

  it('delivers after a kill in the middle of an attempt (the claim lapses, the new process sends)', async () => {
    r = await startReceiver((n) => (n === 1 ? 'hang' : 200));
    const { batchId, webhookId, submit } = await batchAboutToComplete();
    await submit();
    await r.waitFor(1); // the first attempt is in flight, held by the receiver
    const exit = await ps.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    expect(r.requests).toHaveLength(1); // nothing landed before the kill
    await ps.start();
    await r.waitFor(2, 30_000);
    expect(r.requests[1].headers['webhook-id']).toBe(r.requests[0].headers['webhook-id']);
    expect(r.requests[1].body).toBe(r.requests[0].body);
    expectCompletedBatch(r.requests[1].body, batchId);
    const rows = await eventually(async () => {
      const list = await attempts(webhookId);
      return list.some((a) => a.succeeded) ? list : undefined;
    });
    // the killed attempt left no record; the one that landed is attempt 1
    expect(rows).toEqual([
      expect.objectContaining({ attempt: 1, succeeded: true, status_code: 200, delivery_status: 'succeeded', event_id: r.requests[1].headers['webhook-id'] }),
    ]);
  }, 90_000);

  it('delivers an event queued just before the kill: the restarted process sends it', async () => {
    await r.close();
    // Before the kill every request hangs, so a delivery can only succeed after it: the 200 the
    // receiver records below comes from the restarted process.
    let killed = false;
    r = await startReceiver(() => (killed ? 200 : 'hang'));
    const { batchId, webhookId, submit } = await batchAboutToComplete();
    await submit();
    // the ids the killed process locks jobs with (its registration in the queue)
    const [{ ids: killedIds }] = await ps.sql<{ ids: string[] }>(`SELECT array_agg(id) AS ids FROM queue_processes, unnest(worker_ids) AS id`);
    killed = true;
    const exit = await ps.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    const linesBeforeRestart = ps.lines.length;
    const before = r.requests.length; // 0 or 1 (an attempt the kill cut short)
    expect(before).toBeLessThanOrEqual(1);
    await ps.start();
    await r.waitFor(before + 1, 30_000).catch(async (err: Error) => {
      // what the queue and the outbox held, and what the processes said, to tell why
      const jobs = await ps.sql(`SELECT task_identifier, run_at, locked_by, locked_at, attempts, key FROM graphile_worker.jobs`);
      const deliveries = await ps.sql(`SELECT id, status, next_attempt_at, locked_until, attempt_count FROM webhook_deliveries`);
      const processes = await ps.sql(`SELECT * FROM queue_processes`);
      const said = ps.lines.filter((l) => !/lease-sweep|release-dead-workers|"GET |"POST /.test(l)).slice(-40);
      throw new Error(`${err.message}\n${JSON.stringify({ jobs, deliveries, processes }, null, 1)}\n${said.join('\n')}`);
    });
    const landed = r.requests[before];
    expectCompletedBatch(landed.body, batchId);
    const rows = await eventually(async () => {
      const list = await attempts(webhookId);
      return list.some((a) => a.succeeded) ? list : undefined;
    });
    expect(rows.filter((a) => a.succeeded)).toEqual([
      expect.objectContaining({ status_code: 200, delivery_status: 'succeeded', event_id: landed.headers['webhook-id'] }),
    ]);
    // nothing stays locked by the killed process (the library alone would hold its jobs for hours)
    expect(await ps.sql(`SELECT task_identifier FROM graphile_worker.jobs WHERE locked_by = ANY($1)`, [killedIds])).toEqual([]);
    // the success is the new process's: its log says so, not the killed one's
    expect(ps.lines.slice(linesBeforeRestart).join('\n')).toContain('webhook delivered');
  }, 90_000);

  it('shuts down gracefully on SIGTERM and never logs the secret', async () => {
    const exit = await ps.stop();
    expect(exit.code).toBe(0);
    expect(ps.logs()).toContain('webhook delivered');
    expect(ps.logs()).not.toContain(SECRET);
  });
});
