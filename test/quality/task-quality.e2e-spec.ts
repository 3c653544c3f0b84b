import { registerUser, TestUser } from '../support/fixtures';
import { addMember, createGuild, createTask } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';

const EXAMPLE = {
  answer: 'label',
  labels: ['cat', 'dog', 'other'],
  overlap: { min: 1, max: 5, confidence: 0.95 },
  aggregation: 'dawid_skene',
  gold_rate: 0.1,
  qualification: { gold: 5, min_accuracy: 0.8 },
  min_quality: 0.7,
  review: { mode: 'manual', auto_approve_after: 259200 },
  auto_reject: ['gold_mismatch'],
};

describe("the task's quality object (API.md §11, §11.6)", () => {
  let s: TestServer;
  let owner: TestUser;
  let worker: TestUser;
  let stranger: TestUser;
  let guildId: string;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    worker = await registerUser(s.http);
    stranger = await registerUser(s.http);
    guildId = (await createGuild(s.http, owner, { input_parameters: ['image_url'] })).id;
    await addMember(s.http, owner, guildId, worker);
  });
  afterAll(() => s.close());

  const post = (body: object, who = owner) =>
    s.http
      .post(`/api/guilds/${guildId}/tasks`)
      .set('Authorization', who.auth)
      .send({ name: 'Label', minimum_amount_cents: 5, ...body });

  it('is null on a task without one, in both API versions', async () => {
    const t = await createTask(s.http, owner, guildId, { minimum_amount_cents: 5 });
    expect(t.quality).toBeNull();
    const v2 = await s.http.get(`/api/tasks/${t.id}`).set('Authorization', owner.auth).set('OpenGuilds-Version', '2018-12-18');
    expect(v2.status).toBe(200);
    expect(v2.body.quality).toBeNull();
  });

  it("is stored as given with the contract's example and shown to owner and members, in both versions", async () => {
    const res = await post({ quality: EXAMPLE });
    expect(res.status).toBe(201);
    expect(res.body.quality).toEqual(EXAMPLE);
    for (const who of [owner, worker]) {
      for (const version of [undefined, '2018-12-18']) {
        const req = s.http.get(`/api/tasks/${res.body.id}`).set('Authorization', who.auth);
        const got = version ? await req.set('OpenGuilds-Version', version) : await req;
        expect(got.status).toBe(200);
        expect(got.body.quality).toEqual(EXAMPLE);
      }
    }
    const list = await s.http.get(`/api/guilds/${guildId}/tasks`).set('Authorization', owner.auth);
    expect(list.body.data.find((t: { id: string }) => t.id === res.body.id).quality).toEqual(EXAMPLE);
  });

  it('fills defaults', async () => {
    const res = await post({ quality: { answer: 'label', labels: ['yes', 'no'] } });
    expect(res.status).toBe(201);
    expect(res.body.quality).toEqual({
      answer: 'label',
      labels: ['yes', 'no'],
      overlap: { min: 1, max: 1, confidence: 0.95 },
      aggregation: 'dawid_skene',
      gold_rate: 0,
      qualification: { gold: 0, min_accuracy: 0.8 },
      min_quality: null,
      review: { mode: 'auto', auto_approve_after: 259200 },
      auto_reject: [],
    });
  });

  it.each([
    ['overlap.min over max', { answer: 'l', overlap: { min: 3, max: 2 } }, 'quality.overlap.min'],
    ['overlap.max over 20', { answer: 'l', overlap: { max: 21 } }, 'quality.overlap.max'],
    ['confidence under 0.5', { overlap: { confidence: 0.49 } }, 'quality.overlap.confidence'],
    ['confidence over 0.999', { overlap: { confidence: 1 } }, 'quality.overlap.confidence'],
    ['one label', { answer: 'l', labels: ['a'] }, 'quality.labels'],
    ['a label of 201 characters', { answer: 'l', labels: ['a', 'b'.repeat(201)] }, 'quality.labels[1]'],
    ['a duplicate label', { answer: 'l', labels: ['a', 'a'] }, 'quality.labels[1]'],
    ['gold_rate over 0.5', { gold_rate: 0.6 }, 'quality.gold_rate'],
    ['qualification.gold over 50', { qualification: { gold: 51 } }, 'quality.qualification.gold'],
    ['min_quality over 1', { min_quality: 1.5 }, 'quality.min_quality'],
    ['auto_approve_after under 60 s', { review: { auto_approve_after: 59 } }, 'quality.review.auto_approve_after'],
    ['overlap.max > 1 without answer', { overlap: { max: 3 } }, 'quality.answer'],
    ['labels without answer', { labels: ['a', 'b'] }, 'quality.answer'],
    ['consensus without manual review', { auto_reject: ['consensus'] }, 'quality.auto_reject[0]'],
    ['an unknown key', { overlap: { min: 1 }, colour: 'red' }, 'quality.colour'],
    ['an unstorable label', { answer: 'l', labels: ['a', '\u0000'] }, 'quality.labels[1]'],
    ['not an object', 'high', 'quality'],
  ])('refuses %s with a 422 naming the field, and stores nothing', async (_name, quality, field) => {
    const before = (await s.http.get(`/api/guilds/${guildId}/tasks`).set('Authorization', owner.auth)).body.data.length;
    const res = await post({ quality });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(expect.objectContaining({ type: 'InvalidParameters', status: 422, error: expect.stringContaining(field) }));
    expect(res.body.details).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    const after = (await s.http.get(`/api/guilds/${guildId}/tasks`).set('Authorization', owner.auth)).body.data.length;
    expect(after).toBe(before);
  });

  it('PATCH replaces the whole object, leaves it alone when absent, removes it with null', async () => {
    const t = (await post({ quality: EXAMPLE })).body;
    const patched = await s.http
      .patch(`/api/tasks/${t.id}`)
      .set('Authorization', owner.auth)
      .send({ quality: { answer: 'label', labels: ['a', 'b'], overlap: { max: 3 } } });
    expect(patched.status).toBe(200);
    // nothing of the old object survives: gold_rate, qualification, review and auto_reject are back to defaults
    expect(patched.body.quality).toEqual({
      answer: 'label',
      labels: ['a', 'b'],
      overlap: { min: 1, max: 3, confidence: 0.95 },
      aggregation: 'dawid_skene',
      gold_rate: 0,
      qualification: { gold: 0, min_accuracy: 0.8 },
      min_quality: null,
      review: { mode: 'auto', auto_approve_after: 259200 },
      auto_reject: [],
    });
    const renamed = await s.http.patch(`/api/tasks/${t.id}`).set('Authorization', owner.auth).send({ name: 'Renamed' });
    expect(renamed.body.quality).toEqual(patched.body.quality);
    const bad = await s.http
      .patch(`/api/tasks/${t.id}`)
      .set('Authorization', owner.auth)
      .send({ name: 'Not stored', quality: { overlap: { min: 0 } } });
    expect(bad.status).toBe(422);
    expect(bad.body.details).toEqual([{ field: 'quality.overlap.min', message: 'must be between 1 and 20' }]);
    const unchanged = await s.http.get(`/api/tasks/${t.id}`).set('Authorization', owner.auth);
    expect(unchanged.body).toEqual(expect.objectContaining({ name: 'Renamed', quality: patched.body.quality }));
    const removed = await s.http.patch(`/api/tasks/${t.id}`).set('Authorization', owner.auth).send({ quality: null });
    expect(removed.status).toBe(200);
    expect(removed.body.quality).toBeNull();
  });

  it('only the owner sets it: a member gets 403, a stranger 404', async () => {
    const t = (await post({ quality: EXAMPLE })).body;
    expect((await post({ quality: EXAMPLE }, worker)).status).toBe(403);
    expect((await post({ quality: EXAMPLE }, stranger)).status).toBe(404);
    expect((await s.http.patch(`/api/tasks/${t.id}`).set('Authorization', worker.auth).send({ quality: null })).status).toBe(403);
    expect((await s.http.patch(`/api/tasks/${t.id}`).set('Authorization', stranger.auth).send({ quality: null })).status).toBe(404);
    expect((await s.http.get(`/api/tasks/${t.id}`).set('Authorization', owner.auth)).body.quality).toEqual(EXAMPLE);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await s.http.get('/api/openapi.json');
    expect(doc.body.components.schemas.CreateTaskDto.properties.quality).toEqual(expect.objectContaining({ type: 'object' }));
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/tasks/{id}/gold', '/api/gold/{id}']));
  });
});
