import { expectLedgerInvariant } from './support/ledger';
import { registerUser, TestUser } from './support/fixtures';
import { addMember, subscribe } from './support/guild-fixtures';
import { giveCard, setUpPipeline } from './support/work-fixtures';
import { startTestServer, TestServer } from './support/server';
import { eventually, startReceiver, WebhookReceiver } from './support/webhook-receiver';

/**
 * Batch progress is counted on the batch's shards (a completed datum adds to the shard of
 * id % shard_count; the shard's last datum takes the batch row once; docs/quality-and-scale.md
 * B.4 step 7). What a user sees must not change: data_completed_count and progress exact when
 * read, never going back, and completion — with its webhook — exactly once, under concurrency.
 */
describe('batch progress on shards', () => {
  let s: TestServer;
  let owner: TestUser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    s = await startTestServer({ leaseSweepIntervalMs: 3_600_000, webhookAllowPrivate: true });
    owner = await registerUser(s.http);
    await giveCard(s, owner);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await s.close();
  });

  const getBatch = async (id: string) => (await s.http.get(`/api/batches/${id}`).set('Authorization', owner.auth)).body;

  it('a 2-task pipeline of 70 data (several data per shard): exact counts while workers race, one completion, one webhook', async () => {
    const p = await setUpPipeline(s, owner, {
      tasks: [
        { name: 'first', minimum_amount_cents: 3 },
        { name: 'second', minimum_amount_cents: 2 },
      ],
      connections: [[0, 1]],
    });
    const N = 70; // 32 shards: shards 0–5 hold three data, the others two
    const created = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: Array.from({ length: N }, (_, i) => ({ i })), webhooks: [{ destination: receiver.url, secret: 'whsec-shards' }] } });
    expect(created.status).toBe(201);
    const batchId = created.body.id as string;
    expect((await s.http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth)).status).toBe(201);

    const workers: TestUser[] = [];
    for (let i = 0; i < 8; i++) {
      const w = await registerUser(s.http);
      await addMember(s.http, owner, p.guildId, w);
      await subscribe(s.http, w, p.taskIds[0]);
      await subscribe(s.http, w, p.taskIds[1]);
      workers.push(w);
    }
    const claim = (w: TestUser, taskId: string) => s.http.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
    const submit = (w: TestUser, id: string) =>
      s.http
        .post(`/api/assignments/${id}/submit`)
        .set('Authorization', w.auth)
        .send({ parameters: { done: 'yes' } });

    // the first task completes no datum
    async function drain(taskId: string, w: TestUser, limit = Infinity): Promise<number> {
      let n = 0;
      while (n < limit) {
        const c = await claim(w, taskId);
        if (c.status === 204) break;
        expect(c.status).toBe(201);
        expect((await submit(w, c.body.id)).status).toBe(200);
        n++;
      }
      return n;
    }
    expect((await Promise.all(workers.map((w) => drain(p.taskIds[0], w)))).reduce((a, b) => a + b, 0)).toBe(N);
    expect(await getBatch(batchId)).toEqual(expect.objectContaining({ status: 'processing', data_completed_count: 0, progress: 0 }));

    // one at a time: every submit at the last task shows at once as one more completed datum
    for (let done = 1; done <= 10; done++) {
      expect(await drain(p.taskIds[1], workers[done % workers.length], 1)).toBe(1);
      const b = await getBatch(batchId);
      expect(b).toEqual(expect.objectContaining({ status: 'processing', data_completed_count: done }));
    }

    // the rest race, while a reader watches: the count never goes back and never passes the submits answered
    let answered = 10;
    let racing = true;
    const seen: number[] = [];
    const reader = (async () => {
      while (racing) {
        const before = answered;
        const b = await getBatch(batchId);
        seen.push(b.data_completed_count);
        expect(b.data_completed_count).toBeGreaterThanOrEqual(before);
        expect(b.progress).toBe(Math.round((1000 * b.data_completed_count) / N) / 10);
      }
    })();
    await Promise.all(
      workers.map(async (w) => {
        for (;;) {
          const c = await claim(w, p.taskIds[1]);
          if (c.status === 204) return;
          expect(c.status).toBe(201);
          expect((await submit(w, c.body.id)).status).toBe(200);
          answered++;
        }
      }),
    );
    racing = false;
    await reader;
    expect(answered).toBe(N);
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1])).toBe(true);
    expect(seen.every((n) => n <= N)).toBe(true);

    const b = await getBatch(batchId);
    expect(b).toEqual(expect.objectContaining({ status: 'completed', completed: true, data_completed_count: N, progress: 100 }));

    // completion fired once: one batch.completed delivery, with the final counts in its body
    await eventually(async () => receiver.requests.length >= 1);
    await new Promise((r) => setTimeout(r, 1500));
    const completions = receiver.requests.filter((r) => JSON.parse(r.body).status === 'completed');
    expect(completions).toHaveLength(1);
    expect(JSON.parse(completions[0].body)).toEqual(expect.objectContaining({ id: batchId, data_completed_count: N, progress: 100 }));
    const [row] = await s.sql<{ shards_remaining: number; ids: string }>(
      `SELECT shards_remaining, (SELECT count(*) FROM webhook_deliveries wd JOIN webhooks w ON w.id = wd.webhook_id WHERE w.batch_id = b.id) AS ids
         FROM batches b WHERE id = $1`,
      [batchId],
    );
    expect(row).toEqual({ shards_remaining: 0, ids: '1' });
    await expectLedgerInvariant(s);
  }, 300_000);
});
