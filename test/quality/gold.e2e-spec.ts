import { registerUser, TestUser } from '../support/fixtures';
import { addMember, createGuild } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('gold: control answers (API.md §11.2)', () => {
  let s: TestServer;
  let owner: TestUser;
  let worker: TestUser;
  let stranger: TestUser;
  let guildId: string;
  let taskId: string;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    worker = await registerUser(s.http);
    stranger = await registerUser(s.http);
    guildId = (await createGuild(s.http, owner, { input_parameters: ['image_url'] })).id;
    await addMember(s.http, owner, guildId, worker);
    const task = await s.http
      .post(`/api/guilds/${guildId}/tasks`)
      .set('Authorization', owner.auth)
      .send({ name: 'Label', minimum_amount_cents: 5, quality: { answer: 'label', labels: ['cat', 'dog', 'other'], overlap: { max: 5 }, gold_rate: 0.1 } });
    expect(task.status).toBe(201);
    taskId = task.body.id;
  });
  afterAll(() => s.close());

  const postGold = (body: unknown, who = owner, id = taskId) =>
    s.http
      .post(`/api/tasks/${id}/gold`)
      .set('Authorization', who.auth)
      .send(body as object);
  const listGold = (who = owner, query = '') => s.http.get(`/api/tasks/${taskId}/gold${query}`).set('Authorization', who.auth);

  it('creates gold items and returns them as a List in the order sent', async () => {
    const res = await postGold({
      data: [
        { parameters: { image_url: 'https://img.example.com/1.png' }, answer: 'cat' },
        { parameters: { image_url: 'https://img.example.com/2.png', note: 7 }, answer: 'dog' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      object: 'List',
      url: `/api/tasks/${taskId}/gold`,
      has_more: false,
      page: 1,
      data: [
        {
          object: 'Gold',
          id: expect.stringMatching(/^\d+$/),
          task_id: taskId,
          parameters: { image_url: 'https://img.example.com/1.png' },
          answer: 'cat',
          answers_count: 0,
          accuracy: null,
          created: expect.stringMatching(TIME),
        },
        {
          object: 'Gold',
          id: expect.stringMatching(/^\d+$/),
          task_id: taskId,
          parameters: { image_url: 'https://img.example.com/2.png', note: 7 },
          answer: 'dog',
          answers_count: 0,
          accuracy: null,
          created: expect.stringMatching(TIME),
        },
      ],
    });
    expect(Number(res.body.data[1].id)).toBeGreaterThan(Number(res.body.data[0].id));
  });

  it('lists newest first with pagination, and deletes', async () => {
    const made = (await postGold({ data: ['a', 'b', 'c'].map((n) => ({ parameters: { image_url: `https://img.example.com/${n}.png` }, answer: 'other' })) }))
      .body.data;
    const all = await listGold();
    expect(all.status).toBe(200);
    const ids: string[] = all.body.data.map((g: { id: string }) => g.id);
    expect(ids).toEqual([...ids].sort((a, b) => Number(b) - Number(a)));
    expect(ids.slice(0, 3)).toEqual([made[2].id, made[1].id, made[0].id]);
    const page1 = await listGold(owner, '?limit=2');
    expect(page1.body).toEqual(expect.objectContaining({ object: 'List', url: `/api/tasks/${taskId}/gold`, has_more: true, page: 1 }));
    expect(page1.body.data.map((g: { id: string }) => g.id)).toEqual(ids.slice(0, 2));
    const page2 = await listGold(owner, '?limit=2&page=2');
    expect(page2.body.data.map((g: { id: string }) => g.id)).toEqual(ids.slice(2, 4));
    expect((await listGold(owner, '?limit=101')).status).toBe(422);

    const del = await s.http.delete(`/api/gold/${made[1].id}`).set('Authorization', owner.auth);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ object: 'Gold', id: made[1].id, deleted: true });
    expect((await listGold()).body.data.map((g: { id: string }) => g.id)).not.toContain(made[1].id);
    // deleting again: it is gone
    const again = await s.http.delete(`/api/gold/${made[1].id}`).set('Authorization', owner.auth);
    expect(again.status).toBe(404);
    expect(again.body).toEqual(expect.objectContaining({ type: 'RecordNotFound', error: `Couldn't find Gold with 'id'=${made[1].id}` }));
  });

  it('is owner only: a member gets 403, a stranger 404 as for an unknown id', async () => {
    const item = (await postGold({ data: [{ parameters: { image_url: 'https://img.example.com/x.png' }, answer: 'cat' }] })).body.data[0];
    const good = { data: [{ parameters: { image_url: 'https://img.example.com/y.png' }, answer: 'cat' }] };
    expect((await postGold(good, worker)).status).toBe(403);
    expect((await listGold(worker)).status).toBe(403);
    expect((await s.http.delete(`/api/gold/${item.id}`).set('Authorization', worker.auth)).status).toBe(403);
    const strangerPost = await postGold(good, stranger);
    expect(strangerPost.status).toBe(404);
    expect(strangerPost.body.error).toBe((await postGold(good, owner, '999999999')).body.error.replace('999999999', taskId));
    expect((await listGold(stranger)).status).toBe(404);
    const strangerDelete = await s.http.delete(`/api/gold/${item.id}`).set('Authorization', stranger.auth);
    expect(strangerDelete.status).toBe(404);
    expect(strangerDelete.body.error).toBe(`Couldn't find Gold with 'id'=${item.id}`);
    expect((await s.http.delete('/api/gold/999999999').set('Authorization', owner.auth)).status).toBe(404);
    // nothing changed: the item is still listed, the refused post stored nothing
    const ids = (await listGold()).body.data.map((g: { id: string; parameters: { image_url: string } }) => g.parameters.image_url);
    expect(ids).toContain('https://img.example.com/x.png');
    expect(ids).not.toContain('https://img.example.com/y.png');
  });

  it.each([
    ['no data', {}, 'data', 'param is missing or the value is empty: data'],
    ['data not an array', { data: { parameters: {} } }, 'data', undefined],
    ['empty data', { data: [] }, 'data', undefined],
    ['a missing input parameter', { data: [{ parameters: { other: 'x' }, answer: 'cat' }] }, 'data[0].parameters.image_url', undefined],
    ['no parameters', { data: [{ answer: 'cat' }] }, 'data[0].parameters', undefined],
    ['an answer not among the labels', { data: [{ parameters: { image_url: 'u' }, answer: 'Cat' }] }, 'data[0].answer', undefined],
    ['no answer', { data: [{ parameters: { image_url: 'u' } }] }, 'data[0].answer', undefined],
    ['an unknown item field', { data: [{ parameters: { image_url: 'u' }, answer: 'cat', truth: 'cat' }] }, 'data[0].truth', undefined],
    ['a nested parameter value', { data: [{ parameters: { image_url: { a: 1 } }, answer: 'cat' }] }, 'data[0].parameters.image_url', undefined],
  ])('refuses %s with a 422 naming the field, storing nothing', async (_name, body, field, error) => {
    const before = (await listGold()).body.data.length;
    const res = await postGold(body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual(expect.objectContaining({ type: 'InvalidParameters', status: 422 }));
    expect(res.body.details).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    if (error) expect(res.body.error).toBe(error);
    // all or nothing: a good item in front of the bad one is not stored either
    const items = (body as { data?: unknown }).data;
    if (Array.isArray(items) && items.length) {
      const mixed = await postGold({ data: [{ parameters: { image_url: 'https://img.example.com/ok.png' }, answer: 'cat' }, ...items] });
      expect(mixed.status).toBe(422);
      expect(mixed.body.details).toEqual(expect.arrayContaining([{ field: field.replace('data[0]', 'data[1]'), message: expect.any(String) }]));
    }
    expect((await listGold()).body.data.length).toBe(before);
  });

  it('names the index of the bad item among many', async () => {
    const res = await postGold({
      data: [
        { parameters: { image_url: 'u1' }, answer: 'cat' },
        { parameters: { image_url: 'u2' }, answer: 'dog' },
        { parameters: {}, answer: 'horse' },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([
      { field: 'data[2].parameters.image_url', message: 'is required' },
      { field: 'data[2].answer', message: "must be one of the task's labels: cat, dog, other" },
    ]);
  });

  it('refuses gold for a task without labels', async () => {
    const plain = await s.http.post(`/api/guilds/${guildId}/tasks`).set('Authorization', owner.auth).send({ name: 'Transcribe', minimum_amount_cents: 5 });
    const res = await postGold({ data: [{ parameters: { image_url: 'u' }, answer: 'cat' }] }, owner, plain.body.id);
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([{ field: 'data', message: 'needs a task with quality.labels' }]);
    const text = await s.http
      .post(`/api/guilds/${guildId}/tasks`)
      .set('Authorization', owner.auth)
      .send({ name: 'Free text', minimum_amount_cents: 5, quality: { answer: 'text', overlap: { max: 2 } } });
    expect((await postGold({ data: [{ parameters: { image_url: 'u' }, answer: 'cat' }] }, owner, text.body.id)).status).toBe(422);
  });

  it('replays a retried create with the same Idempotency-Key instead of storing twice', async () => {
    const body = { data: [{ parameters: { image_url: 'https://img.example.com/once.png' }, answer: 'dog' }] };
    const key = `gold-${Date.now()}`;
    const a = await s.http.post(`/api/tasks/${taskId}/gold`).set('Authorization', owner.auth).set('Idempotency-Key', key).send(body);
    const b = await s.http.post(`/api/tasks/${taskId}/gold`).set('Authorization', owner.auth).set('Idempotency-Key', key).send(body);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    const onceCount = (await listGold()).body.data.filter(
      (g: { parameters: { image_url: string } }) => g.parameters.image_url === 'https://img.example.com/once.png',
    ).length;
    expect(onceCount).toBe(1);
  });
});
