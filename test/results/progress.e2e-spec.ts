import { registerUser, TestUser } from '../support/fixtures';
import { createTestDatabase, startTestServer, TestDatabase, TestServer } from '../support/server';
import { startProcessServer, ProcessServer } from '../support/process-server';
import { giveCard, setUpPipeline } from '../support/work-fixtures';
import { eventually } from '../support/webhook-receiver';
import { addMember, createGuild, createTask, subscribe } from '../support/guild-fixtures';
import { claimAndSubmit, createBatch, pay, SseClient, SseEvent, worker } from './helpers';

/** ids of a stream's events as numbers; they must never go down. */
function expectMonotone(events: SseEvent[]): number[] {
  const ids = events.map((e) => Number(e.id));
  for (const id of ids) expect(Number.isInteger(id)).toBe(true);
  for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
  return ids;
}

describe('live progress over SSE (API.md §13.3)', () => {
  let s: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  let guildId: string;
  let taskId: string;
  let member: TestUser;

  beforeAll(async () => {
    s = await startTestServer({ sseMaxStreamsPerKey: 3, sseHeartbeatSeconds: 1 });
    owner = await registerUser(s.http);
    stranger = await registerUser(s.http);
    await giveCard(s, owner);
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'Label', minimum_amount_cents: 7 }] });
    guildId = p.guildId;
    taskId = p.taskIds[0];
    member = await worker(s.http, owner, guildId, [taskId]);
  }, 180_000);
  afterAll(() => s?.close());

  const url = (batchId: string) => `${s.url}/api/batches/${batchId}/events`;
  const submitOne = () => claimAndSubmit(s.http, member, taskId, () => ({ label: 'cat' }));

  it('sends the snapshot first, progress while work is submitted, then completed and the end; ids increase', async () => {
    const batchId = await createBatch(
      s.http,
      owner,
      guildId,
      Array.from({ length: 6 }, (_, i) => ({ n: i })),
    );
    await pay(s.http, owner, batchId);
    const sse = await SseClient.open(url(batchId), owner.auth);
    expect(sse.status).toBe(200);
    const first = await sse.next(() => true);
    expect(first).toEqual({
      id: '0',
      event: 'progress',
      data: {
        object: 'BatchProgress',
        batch_id: batchId,
        status: 'processing',
        data_count: 6,
        data_completed_count: 0,
        progress: 0,
        answers_count: 0,
        spent: '$0.00',
        spent_cents: 0,
      },
      at: expect.any(Number),
    });
    for (let i = 0; i < 3; i++) expect(await submitOne()).toBeTruthy();
    const mid = await sse.next((e) => e.data.answers_count === 3);
    expect(mid.event).toBe('progress');
    expect(mid.data).toEqual(expect.objectContaining({ data_completed_count: 3, progress: 50, spent_cents: 21, spent: '$0.21' }));
    for (let i = 0; i < 3; i++) expect(await submitOne()).toBeTruthy();
    const done = await sse.next((e) => e.event === 'completed');
    await sse.ended;
    expect(done.data).toEqual(expect.objectContaining({ status: 'completed', data_completed_count: 6, progress: 100, answers_count: 6, spent_cents: 42 }));
    expect(sse.events[sse.events.length - 1]).toBe(done);
    expectMonotone(sse.events);
    // every progress event's figures only grow
    for (let i = 1; i < sse.events.length; i++) expect(sse.events[i].data.answers_count).toBeGreaterThanOrEqual(sse.events[i - 1].data.answers_count);
  });

  it('resumes with Last-Event-ID: the snapshot only when newer, completed and the end after completion', async () => {
    const batchId = await createBatch(
      s.http,
      owner,
      guildId,
      Array.from({ length: 3 }, (_, i) => ({ n: i })),
    );
    await pay(s.http, owner, batchId);
    const a = await SseClient.open(url(batchId), owner.auth);
    const firstId = (await a.next(() => true)).id!;
    a.close();
    expect(await submitOne()).toBeTruthy();
    const b = await SseClient.open(url(batchId), owner.auth, firstId);
    const resumed = await b.next(() => true);
    expect(Number(resumed.id)).toBeGreaterThan(Number(firstId));
    expect(resumed.data.answers_count).toBe(1);
    b.close();
    // nothing new since: no snapshot now, the next event is the next change
    const c = await SseClient.open(url(batchId), owner.auth, resumed.id);
    await eventually(async () => c.comments.length > 0); // heartbeats flow meanwhile
    expect(c.events).toHaveLength(0);
    expect(await submitOne()).toBeTruthy();
    expect(await submitOne()).toBeTruthy();
    const end = await c.next((e) => e.event === 'completed');
    await c.ended;
    expectMonotone([resumed, ...c.events]);
    // after completion: completed at once, then the end
    const d = await SseClient.open(url(batchId), owner.auth, end.id);
    await d.ended;
    expect(d.events.map((e) => [e.id, e.event])).toEqual([[end.id, 'completed']]);
  });

  it('refuses other tenants, and caps open streams per API key (429 with Retry-After)', async () => {
    const batchId = await createBatch(s.http, owner, guildId, [{ n: 1 }]);
    const foreign = await SseClient.open(url(batchId), stranger.auth);
    expect(foreign.status).toBe(404);
    const open = [
      await SseClient.open(url(batchId), owner.auth),
      await SseClient.open(url(batchId), owner.auth),
      await SseClient.open(url(batchId), owner.auth),
    ];
    for (const o of open) expect(o.status).toBe(200);
    const res = await fetch(url(batchId), { headers: { authorization: owner.auth } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual(expect.objectContaining({ type: 'TooManyRequests', status: 429 }));
    open[0].close();
    const again = await eventually(async () => {
      const o = await SseClient.open(url(batchId), owner.auth);
      if (o.status === 200) return o;
      return undefined;
    });
    for (const o of [...open, again]) o.close();
  });
});

describe('live progress across two server processes', () => {
  let db: TestDatabase;
  let a: ProcessServer;
  let b: ProcessServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startProcessServer({ db, readyTimeoutMs: 180_000 });
    b = await startProcessServer({ db, readyTimeoutMs: 180_000 });
  }, 420_000); // the first build of the run (shared by every file) plus two start-ups, on a loaded box
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('a stream on one process follows submits made on the other, and a reconnect to the first resumes', async () => {
    const owner = await registerUser(a.http);
    const card = await a.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' });
    expect(card.status).toBe(201);
    const guild = await createGuild(a.http, owner);
    const task = await createTask(a.http, owner, guild.id, { minimum_amount_cents: 2 });
    const w = await registerUser(a.http);
    await addMember(a.http, owner, guild.id, w);
    await subscribe(a.http, w, task.id);
    const batchId = await createBatch(
      a.http,
      owner,
      guild.id,
      Array.from({ length: 4 }, (_, i) => ({ n: i })),
    );
    await pay(a.http, owner, batchId);

    const onB = await SseClient.open(`${b.url}/api/batches/${batchId}/events`, owner.auth);
    expect((await onB.next(() => true)).id).toBe('0');
    for (let i = 0; i < 2; i++) expect(await claimAndSubmit(a.http, w, task.id, () => ({ x: 1 }))).toBeTruthy();
    const seen = await onB.next((e) => e.data.answers_count === 2);
    onB.close();
    // reconnect to the other process with the id the first one gave
    const onA = await SseClient.open(`${a.url}/api/batches/${batchId}/events`, owner.auth, seen.id);
    for (let i = 0; i < 2; i++) expect(await claimAndSubmit(b.http, w, task.id, () => ({ x: 2 }))).toBeTruthy();
    const end = await onA.next((e) => e.event === 'completed');
    await onA.ended;
    expect(end.data).toEqual(expect.objectContaining({ data_completed_count: 4, answers_count: 4 }));
    expectMonotone([...onB.events, ...onA.events]);
  }, 120_000);
});
