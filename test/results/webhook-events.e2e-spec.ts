import { Webhook } from 'standardwebhooks';
import { registerUser, TestUser } from '../support/fixtures';
import { startTestServer, TestServer } from '../support/server';
import { giveCard, setUpPipeline } from '../support/work-fixtures';
import { eventually, startReceiver, WebhookReceiver } from '../support/webhook-receiver';
import { claimAndSubmit, createBatch, pay, worker } from './helpers';

type Wire = Record<string, any>;

describe('webhook event types (API.md §13.4)', () => {
  let s: TestServer;
  let owner: TestUser;
  let receiver: WebhookReceiver;
  let guildId: string;
  let taskIds: string[];
  let member: TestUser & { memberId: string };
  const SECRET = 'whsec-events-test';

  beforeAll(async () => {
    s = await startTestServer({ webhookRetryScheduleSeconds: [1, 1], webhookTimeoutMs: 2000, webhookAllowPrivate: true });
    owner = await registerUser(s.http);
    await giveCard(s, owner);
    receiver = await startReceiver();
    const p = await setUpPipeline(s, owner, {
      tasks: [
        { name: 'Label', minimum_amount_cents: 4 },
        { name: 'Check', minimum_amount_cents: 1 },
      ],
      connections: [[0, 1]],
    });
    guildId = p.guildId;
    taskIds = p.taskIds;
    member = await worker(s.http, owner, guildId, taskIds);
  }, 180_000);
  afterAll(async () => {
    await receiver?.close();
    await s?.close();
  });

  /** Every request the receiver got, verified with standardwebhooks in raw-secret mode. */
  const verified = (from = 0) =>
    receiver.requests.slice(from).map((r) => {
      const body = new Webhook(SECRET, { format: 'raw' }).verify(r.body, r.headers) as Wire;
      return { body, id: r.headers['webhook-id'] };
    });

  it('validates events: unknown, empty and duplicate names are a 422 at webhooks[i].events[j]; the default is batch.completed', async () => {
    const bad = await s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({
        batch: {
          data: [{ n: 1 }],
          webhooks: [
            { destination: receiver.url, secret: SECRET },
            { destination: receiver.url, secret: SECRET, events: ['datum.completed', 'nope', '', 'datum.completed'] },
          ],
        },
      });
    expect(bad.status).toBe(422);
    expect(bad.body.details).toEqual([
      { field: 'batch.webhooks[1].events[1]', message: expect.stringContaining('not an event type') },
      { field: 'batch.webhooks[1].events[2]', message: 'is empty' },
      { field: 'batch.webhooks[1].events[3]', message: 'is listed twice' },
    ]);
    const empty = await s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ n: 1 }], webhooks: [{ destination: receiver.url, secret: SECRET, events: [] }] } });
    expect(empty.status).toBe(422);
    expect(empty.body.details[0].field).toBe('batch.webhooks[0].events');
    const [{ n }] = await s.sql<{ n: string }>('SELECT count(*) AS n FROM batches');
    expect(n).toBe('0');

    const batchId = await createBatch(s.http, owner, guildId, [{ n: 1 }], [{ destination: receiver.url, secret: SECRET }]);
    const got = await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth);
    expect(got.body.webhooks).toEqual([expect.objectContaining({ object: 'Webhook', events: ['batch.completed'] })]);
    const hookId = got.body.webhooks[0].id;
    const added = await s.http
      .post(`/api/batches/${batchId}/webhooks`)
      .set('Authorization', owner.auth)
      .send({ destination: receiver.url, secret: SECRET, events: ['batch.progress', 'bogus'] });
    expect(added.status).toBe(422);
    expect(added.body.details).toEqual([{ field: 'events[1]', message: expect.any(String) }]);

    const patched = await s.http
      .patch(`/api/webhooks/${hookId}`)
      .set('Authorization', owner.auth)
      .send({ events: ['datum.completed', 'submission.rejected'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual(expect.objectContaining({ object: 'Webhook', id: hookId, events: ['datum.completed', 'submission.rejected'] }));
    expect((await s.http.get(`/api/webhooks/${hookId}`).set('Authorization', owner.auth)).body.events).toEqual(['datum.completed', 'submission.rejected']);
    const dup = await s.http
      .patch(`/api/webhooks/${hookId}`)
      .set('Authorization', owner.auth)
      .send({ events: ['datum.completed', 'datum.completed'] });
    expect(dup.status).toBe(422);
    expect(dup.body.details).toEqual([{ field: 'events[1]', message: 'is listed twice' }]);
    expect(
      (
        await s.http
          .patch(`/api/webhooks/${hookId}`)
          .set('Authorization', owner.auth)
          .send({ events: ['x'], secret: 'y' })
      ).status,
    ).toBe(422);
  });

  it('delivers submission.created, datum.completed, batch.progress (at most one a minute) and batch.completed, each signed', async () => {
    const from = receiver.requests.length;
    const batchId = await createBatch(
      s.http,
      owner,
      guildId,
      [{ n: 1 }, { n: 2 }],
      [
        { destination: receiver.url, secret: SECRET, events: ['submission.created', 'datum.completed', 'batch.progress', 'batch.completed'] },
        { destination: `${receiver.url}?only=completed`, secret: SECRET },
      ],
    );
    await pay(s.http, owner, batchId);
    for (let i = 0; i < 2; i++) expect(await claimAndSubmit(s.http, member, taskIds[0], () => ({ label: 'cat' }))).toBeTruthy();
    for (let i = 0; i < 2; i++) expect(await claimAndSubmit(s.http, member, taskIds[1], () => ({ ok: true }))).toBeTruthy();
    // 4 submission.created + 2 datum.completed + 1 batch.progress + 2 batch.completed (one per webhook)
    await receiver.waitFor(from + 9);
    await new Promise((r) => setTimeout(r, 1500)); // nothing more arrives (a second batch.progress would be a bug)
    const got = verified(from);
    expect(got).toHaveLength(9);
    expect(new Set(got.map((g) => g.id)).size).toBe(9);
    const byType = (t: string) => got.filter((g) => g.body.type === t || (t === 'batch.completed' && g.body.object === 'Batch'));
    const subs = byType('submission.created');
    expect(subs).toHaveLength(4);
    expect(subs[0].body).toEqual({
      type: 'submission.created',
      timestamp: expect.stringMatching(/Z$/),
      data: {
        object: 'Submission',
        id: expect.stringMatching(/^\d+$/),
        assignment_id: expect.any(String),
        task_id: expect.any(String),
        datum_id: expect.any(String),
        member_id: member.memberId,
        parameters: expect.any(Object),
        status: 'approved',
        reward: expect.stringMatching(/^\$0\.0[14]$/),
        reward_cents: expect.any(Number),
        seconds: expect.any(Number),
        created: expect.any(String),
        updated: expect.any(String),
      },
    });
    const data = byType('datum.completed');
    expect(data).toHaveLength(2);
    expect(data[0].body.data).toEqual(
      expect.objectContaining({ object: 'Datum', batch_id: batchId, status: 'completed', parameters: expect.objectContaining({ label: 'cat', ok: true }) }),
    );
    const progress = byType('batch.progress');
    expect(progress).toHaveLength(1);
    expect(progress[0].body.data).toEqual(expect.objectContaining({ object: 'BatchProgress', batch_id: batchId, data_count: 2, answers_count: 1 }));
    const completed = got.filter((g) => g.body.object === 'Batch');
    expect(completed).toHaveLength(2);
    expect(completed[0].body).toEqual(expect.objectContaining({ id: batchId, status: 'completed' }));
    // the delivery log names each event type
    const hooks = (await s.http.get(`/api/batches/${batchId}/webhooks`).set('Authorization', owner.auth)).body.data as Wire[];
    const all = hooks.find((h) => h.events.length === 4)!;
    const log = await eventually(async () => {
      const l = (await s.http.get(`/api/webhooks/${all.id}/deliveries`).set('Authorization', owner.auth)).body.data as Wire[];
      return l.length === 8 ? l : undefined;
    });
    expect(log.map((a) => a.event_type).sort()).toEqual([
      'batch.completed',
      'batch.progress',
      'datum.completed',
      'datum.completed',
      'submission.created',
      'submission.created',
      'submission.created',
      'submission.created',
    ]);
  });

  it('a refused submit queues no event: one submission, one submission.created', async () => {
    const from = receiver.requests.length;
    const batchId = await createBatch(s.http, owner, guildId, [{ n: 1 }], [{ destination: receiver.url, secret: SECRET, events: ['submission.created'] }]);
    await pay(s.http, owner, batchId);
    const c = await s.http.post(`/api/tasks/${taskIds[0]}/claims`).set('Authorization', member.auth);
    expect(c.status).toBe(201);
    const ok = await s.http
      .post(`/api/assignments/${c.body.id}/submit`)
      .set('Authorization', member.auth)
      .send({ parameters: { label: 'fine' } });
    expect(ok.status).toBe(200);
    const again = await s.http
      .post(`/api/assignments/${c.body.id}/submit`)
      .set('Authorization', member.auth)
      .send({ parameters: { label: 'twice' } });
    expect(again.status).toBe(409);
    await receiver.waitFor(from + 1);
    await new Promise((r) => setTimeout(r, 1500)); // a second delivery would arrive meanwhile
    const got = verified(from);
    expect(got.map((g) => g.body.type)).toEqual(['submission.created']);
    expect(got[0].body.data.parameters).toEqual({ label: 'fine' });
  });
});
