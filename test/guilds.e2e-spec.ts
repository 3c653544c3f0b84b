import { registerUser, TestUser } from './support/fixtures';
import { addMember, connectTasks, createGuild, createPipeline, createTask, createWorkspace, subscribe } from './support/guild-fixtures';
import { startTestServer, TestServer } from './support/server';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('guilds, workspaces, tasks and connections', () => {
  let s: TestServer;
  let owner: TestUser;
  let other: TestUser;
  let worker: TestUser;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    other = await registerUser(s.http);
    worker = await registerUser(s.http);
  });
  afterAll(() => s.close());

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await s.http.get('/api/openapi.json');
    expect(doc.status).toBe(200);
    for (const p of [
      '/api/guilds',
      '/api/guilds/{id}',
      '/api/workspaces',
      '/api/guilds/{gid}/tasks',
      '/api/tasks/{id}',
      '/api/guilds/{gid}/connections',
      '/api/connections/{id}',
      '/api/guilds/{gid}/members',
      '/api/members/{id}',
      '/api/guilds/{gid}/invites',
      '/api/invites/{id}/accept',
      '/api/me/invites',
      '/api/tasks/{id}/subscriptions',
      '/api/me/tasks',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
    expect(doc.body.components.schemas.CreateTaskDto.required).toEqual(expect.arrayContaining(['name', 'minimum_amount_cents']));
  });

  describe('guilds', () => {
    it('creates, reads, lists and patches a guild', async () => {
      const res = await s.http
        .post('/api/guilds')
        .set('Authorization', owner.auth)
        .send({ name: 'Audio Transcription', description: 'audio → text', input_parameters: ['audio_url'] });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        object: 'Guild',
        id: expect.stringMatching(/^\d+$/),
        name: 'Audio Transcription',
        description: 'audio → text',
        input_parameters: ['audio_url'],
        price_per_datum: '$0.00',
        price_per_datum_cents: 0,
        price_floor: '$0.00',
        price_floor_cents: 0,
        created: expect.stringMatching(TIME),
        updated: expect.stringMatching(TIME),
      });
      const id = res.body.id;
      const got = await s.http.get(`/api/guilds/${id}`).set('Authorization', owner.auth);
      expect(got.status).toBe(200);
      expect(got.body).toEqual(res.body);
      const alias = await s.http.get(`/api/guild/${id}`).set('Authorization', owner.auth);
      expect(alias.body).toEqual(res.body);
      const patched = await s.http
        .patch(`/api/guilds/${id}`)
        .set('Authorization', owner.auth)
        .send({ name: 'Renamed', input_parameters: ['audio_url', 'lang'] });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual(expect.objectContaining({ name: 'Renamed', description: 'audio → text', input_parameters: ['audio_url', 'lang'] }));
      const list = await s.http.get('/api/guilds').set('Authorization', owner.auth);
      expect(list.body).toEqual(expect.objectContaining({ object: 'List', url: '/api/guilds', has_more: false, page: 1 }));
      expect(list.body.data.map((g: { id: string }) => g.id)).toContain(id);
      const otherList = await s.http.get('/api/guilds').set('Authorization', other.auth);
      expect(otherList.body.data).toEqual([]);
      expect((await s.http.get(`/api/guilds/${id}`).set('Authorization', other.auth)).status).toBe(404);
    });

    it('lists guilds by role and paginates newest first', async () => {
      const a = await createGuild(s.http, owner, { name: 'A' });
      const b = await createGuild(s.http, owner, { name: 'B' });
      const p1 = await s.http.get('/api/guilds?limit=1').set('Authorization', owner.auth);
      expect(p1.body.data.map((g: { id: string }) => g.id)).toEqual([b.id]);
      expect(p1.body.has_more).toBe(true);
      const p2 = await s.http.get('/api/guilds?limit=1&page=2').set('Authorization', owner.auth);
      expect(p2.body.data.map((g: { id: string }) => g.id)).toEqual([a.id]);
      await addMember(s.http, owner, a.id, worker);
      const asMember = await s.http.get('/api/guilds?role=member').set('Authorization', worker.auth);
      expect(asMember.body.data.map((g: { id: string }) => g.id)).toEqual([a.id]);
      expect((await s.http.get('/api/guilds').set('Authorization', worker.auth)).body.data).toEqual([]);
      expect((await s.http.get(`/api/guilds/${a.id}`).set('Authorization', worker.auth)).status).toBe(200);
      expect((await s.http.get('/api/guilds?role=boss').set('Authorization', owner.auth)).status).toBe(422);
      expect((await s.http.get('/api/guilds?limit=0').set('Authorization', owner.auth)).status).toBe(422);
    });

    it.each([
      ['missing name', { description: 'x' }, 'name'],
      ['missing description', { name: 'x' }, 'description'],
      ['unknown field', { name: 'x', description: 'y', owner_id: 1 }, 'owner_id'],
      ['name of the wrong type', { name: 5, description: 'y' }, 'name'],
      ['empty name', { name: '', description: 'y' }, 'name'],
      ['input_parameters not an array', { name: 'x', description: 'y', input_parameters: 'audio_url' }, 'input_parameters'],
      ['input_parameters with a number', { name: 'x', description: 'y', input_parameters: [1] }, 'input_parameters'],
      ['duplicate input_parameters', { name: 'x', description: 'y', input_parameters: ['a', 'a'] }, 'input_parameters'],
    ])('POST /api/guilds with %s → 422', async (_n, body, field) => {
      const res = await s.http.post('/api/guilds').set('Authorization', owner.auth).send(body);
      expect(res.status).toBe(422);
      expect(res.body.type).toBe('InvalidParameters');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('PATCH rejects unknown fields and is owner-only', async () => {
      const g = await createGuild(s.http, owner);
      expect((await s.http.patch(`/api/guilds/${g.id}`).set('Authorization', owner.auth).send({ owner_id: other.id })).status).toBe(422);
      expect((await s.http.patch(`/api/guilds/${g.id}`).set('Authorization', other.auth).send({ name: 'mine' })).status).toBe(404);
      expect((await s.http.get('/api/guilds/abc').set('Authorization', owner.auth)).status).toBe(404);
      expect((await s.http.get('/api/guilds/99999999').set('Authorization', owner.auth)).status).toBe(404);
    });
  });

  describe('workspaces', () => {
    it('creates open and closed workspaces and lists mine plus open ones', async () => {
      const open = await s.http
        .post('/api/workspaces')
        .set('Authorization', other.auth)
        .send({ name: 'Open', preview: 'https://preview.interface.com', permissions: 'open' });
      expect(open.status).toBe(201);
      expect(open.body).toEqual({
        object: 'Workspace',
        id: expect.any(String),
        name: 'Open',
        preview: 'https://preview.interface.com',
        permissions: 'open',
        created: expect.stringMatching(TIME),
        updated: expect.any(String),
      });
      const closed = await s.http
        .post('/api/workspaces')
        .set('Authorization', other.auth)
        .send({ name: 'Closed', preview: 'https://closed.example.com', permissions: 'closed' });
      const mine = await s.http
        .post('/api/workspaces')
        .set('Authorization', owner.auth)
        .send({ name: 'Mine', preview: 'http://localhost:8080/ws', permissions: 'closed' });
      expect(mine.status).toBe(201);
      const list = await s.http.get('/api/workspaces').set('Authorization', owner.auth);
      const ids = list.body.data.map((w: { id: string }) => w.id);
      expect(ids).toContain(open.body.id);
      expect(ids).toContain(mine.body.id);
      expect(ids).not.toContain(closed.body.id);
      expect((await s.http.get(`/api/workspaces/${closed.body.id}`).set('Authorization', owner.auth)).status).toBe(404);
      expect((await s.http.get(`/api/workspaces/${closed.body.id}`).set('Authorization', other.auth)).status).toBe(200);
      expect((await s.http.get(`/api/workspaces/${open.body.id}`).set('Authorization', owner.auth)).status).toBe(200);
    });

    it.each([
      ['http on a public host', { name: 'w', preview: 'http://example.com', permissions: 'open' }, 'preview'],
      ['not a URL', { name: 'w', preview: 'preview', permissions: 'open' }, 'preview'],
      ['javascript: URL', { name: 'w', preview: 'javascript:alert(1)', permissions: 'open' }, 'preview'],
      ['ftp URL', { name: 'w', preview: 'ftp://example.com', permissions: 'open' }, 'preview'],
      ['bad permissions', { name: 'w', preview: 'https://example.com', permissions: 'public' }, 'permissions'],
      ['missing permissions', { name: 'w', preview: 'https://example.com' }, 'permissions'],
      ['missing name', { preview: 'https://example.com', permissions: 'open' }, 'name'],
      ['unknown field', { name: 'w', preview: 'https://example.com', permissions: 'open', color: 'red' }, 'color'],
    ])('POST /api/workspaces with %s → 422', async (_n, body, field) => {
      const res = await s.http.post('/api/workspaces').set('Authorization', owner.auth).send(body);
      expect(res.status).toBe(422);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('refuses http previews even on loopback in production mode', async () => {
      const prod = await startTestServer({ mode: 'production' });
      try {
        const u = await registerUser(prod.http);
        const res = await prod.http
          .post('/api/workspaces')
          .set('Authorization', u.auth)
          .send({ name: 'w', preview: 'http://127.0.0.1:3000', permissions: 'open' });
        expect(res.status).toBe(422);
        expect(res.body.details).toEqual([{ field: 'preview', message: 'must be an https URL' }]);
        expect(
          (await prod.http.post('/api/workspaces').set('Authorization', u.auth).send({ name: 'w', preview: 'https://ok.example.com', permissions: 'open' }))
            .status,
        ).toBe(201);
      } finally {
        await prod.close();
      }
    });
  });

  describe('tasks', () => {
    it('creates a task with a workspace and renders money and the nested workspace', async () => {
      const g = await createGuild(s.http, owner);
      const ws = await createWorkspace(s.http, owner);
      const res = await s.http
        .post(`/api/guilds/${g.id}/tasks`)
        .set('Authorization', owner.auth)
        .send({ name: 'Transcribe', minimum_amount_cents: 500, workspace_id: Number(ws.id) });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        object: 'Task',
        id: expect.any(String),
        guild_id: g.id,
        name: 'Transcribe',
        minimum_amount: '$5.00',
        minimum_amount_cents: 500,
        lease_seconds: 1800,
        median_seconds: null,
        effective_hourly: null,
        effective_hourly_cents: null,
        quality: null,
        workspace: { name: 'Test Workspace', link: `api/workspaces/${ws.id}`, preview: 'https://workspace.example.com/task', permissions: 'open' },
        connections: [],
        created: expect.stringMatching(TIME),
        updated: expect.any(String),
      });
      const t = res.body;
      expect((await s.http.get(`/api/tasks/${t.id}`).set('Authorization', owner.auth)).body).toEqual(t);
      expect((await s.http.get(`/api/guilds/${g.id}/tasks/${t.id}`).set('Authorization', owner.auth)).body).toEqual(t);
      const list = await s.http.get(`/api/guilds/${g.id}/tasks`).set('Authorization', owner.auth);
      expect(list.body).toEqual({ object: 'List', url: `/api/guilds/${g.id}/tasks`, has_more: false, page: 1, data: [t] });
      const patched = await s.http
        .patch(`/api/tasks/${t.id}`)
        .set('Authorization', owner.auth)
        .send({ minimum_amount_cents: 750, lease_seconds: 60, workspace_id: null });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual(expect.objectContaining({ minimum_amount: '$7.50', minimum_amount_cents: 750, lease_seconds: 60, workspace: null }));
      const other2 = await createGuild(s.http, owner);
      expect((await s.http.get(`/api/guilds/${other2.id}/tasks/${t.id}`).set('Authorization', owner.auth)).status).toBe(404);
    });

    it.each([
      ['missing minimum_amount_cents', { name: 't' }, 'minimum_amount_cents'],
      ['negative minimum_amount_cents', { name: 't', minimum_amount_cents: -1 }, 'minimum_amount_cents'],
      ['fractional minimum_amount_cents', { name: 't', minimum_amount_cents: 1.5 }, 'minimum_amount_cents'],
      ['minimum_amount_cents as a string', { name: 't', minimum_amount_cents: '500' }, 'minimum_amount_cents'],
      ['missing name', { minimum_amount_cents: 5 }, 'name'],
      ['unknown field', { name: 't', minimum_amount_cents: 5, minimum_amount: '$5.00' }, 'minimum_amount'],
      ['bad workspace_id', { name: 't', minimum_amount_cents: 5, workspace_id: 'abc' }, 'workspace_id'],
      ['unknown workspace_id', { name: 't', minimum_amount_cents: 5, workspace_id: '987654' }, 'workspace_id'],
      ['zero lease_seconds', { name: 't', minimum_amount_cents: 5, lease_seconds: 0 }, 'lease_seconds'],
    ])('POST tasks with %s → 422', async (_n, body, field) => {
      const g = await createGuild(s.http, owner);
      const res = await s.http.post(`/api/guilds/${g.id}/tasks`).set('Authorization', owner.auth).send(body);
      expect(res.status).toBe(422);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it("refuses another user's closed workspace but accepts the guild owner's own closed one", async () => {
      const g = await createGuild(s.http, owner);
      const theirs = await s.http
        .post('/api/workspaces')
        .set('Authorization', other.auth)
        .send({ name: 'c', preview: 'https://c.example.com', permissions: 'closed' });
      const ours = await s.http
        .post('/api/workspaces')
        .set('Authorization', owner.auth)
        .send({ name: 'c', preview: 'https://c.example.com', permissions: 'closed' });
      const bad = await s.http
        .post(`/api/guilds/${g.id}/tasks`)
        .set('Authorization', owner.auth)
        .send({ name: 't', minimum_amount_cents: 1, workspace_id: theirs.body.id });
      expect(bad.status).toBe(422);
      expect(bad.body.details[0].field).toBe('workspace_id');
      const t = await createTask(s.http, owner, g.id, { minimum_amount_cents: 1 });
      expect((await s.http.patch(`/api/tasks/${t.id}`).set('Authorization', owner.auth).send({ workspace_id: theirs.body.id })).status).toBe(422);
      const ok = await s.http
        .post(`/api/guilds/${g.id}/tasks`)
        .set('Authorization', owner.auth)
        .send({ name: 't', minimum_amount_cents: 1, workspace_id: ours.body.id });
      expect(ok.status).toBe(201);
      expect(ok.body.workspace.permissions).toBe('closed');
    });
  });

  describe('connections and the pipeline', () => {
    it('joins tasks, lists inbound and outbound connections in both wire versions, and deletes', async () => {
      const { guild, tasks } = await createPipeline(s.http, owner, {
        tasks: [
          { name: 'a', minimum_amount_cents: 100 },
          { name: 'b', minimum_amount_cents: 250 },
          { name: 'c', minimum_amount_cents: 5 },
        ],
        connections: [[0, 1]],
      });
      expect(guild.price_per_datum_cents).toBe(355);
      expect(guild.price_per_datum).toBe('$3.55');
      const [a, b, c] = tasks;
      const res = await s.http
        .post(`/api/guilds/${guild.id}/connections`)
        .set('Authorization', owner.auth)
        .send({ source: Number(b.id), target: c.id });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ object: 'Connection', id: expect.any(String), source: b.id, target: c.id });
      const bView = await s.http.get(`/api/tasks/${b.id}`).set('Authorization', owner.auth);
      expect(bView.body.connections).toEqual([
        { object: 'Connection', id: expect.any(String), source: a.id, target: b.id },
        { object: 'Connection', id: res.body.id, source: b.id, target: c.id },
      ]);
      const v2 = await s.http.get(`/api/tasks/${b.id}`).set('Authorization', owner.auth).set('OpenGuilds-Version', '2018-12-18');
      expect(v2.body.connections).toEqual({
        object: 'List',
        url: `/api/tasks/${b.id}/connections`,
        has_more: false,
        page: 1,
        data: [
          { object: 'Connection', id: expect.any(String), source_id: a.id, target_id: b.id },
          { object: 'Connection', id: res.body.id, source_id: b.id, target_id: c.id },
        ],
      });
      const listed = await s.http.get(`/api/tasks/${b.id}/connections`).set('Authorization', owner.auth);
      expect(listed.body.data).toHaveLength(2);
      const del = await s.http.delete(`/api/connections/${res.body.id}`).set('Authorization', owner.auth);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ object: 'Connection', id: res.body.id, deleted: true });
      expect((await s.http.delete(`/api/connections/${res.body.id}`).set('Authorization', owner.auth)).status).toBe(404);
      expect((await s.http.get(`/api/tasks/${c.id}`).set('Authorization', owner.auth)).body.connections).toEqual([]);
    });

    it('refuses cycles (naming the tasks), self-loops, duplicates and foreign tasks', async () => {
      const { guild, tasks } = await createPipeline(s.http, owner, {
        tasks: [
          { name: 'a', minimum_amount_cents: 1 },
          { name: 'b', minimum_amount_cents: 1 },
          { name: 'c', minimum_amount_cents: 1 },
        ],
        connections: [
          [0, 1],
          [1, 2],
        ],
      });
      const [a, b, c] = tasks;
      const cycle = await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: c.id, target: a.id });
      expect(cycle.status).toBe(422);
      expect(cycle.body.error).toBe(`A connection from task ${c.id} to task ${a.id} would make a cycle: ${c.id} → ${a.id} → ${b.id} → ${c.id}`);
      expect(cycle.body.details).toEqual([{ field: 'target', message: `would make a cycle: ${c.id} → ${a.id} → ${b.id} → ${c.id}` }]);
      const self = await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: a.id, target: a.id });
      expect(self.status).toBe(422);
      const dup = await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: a.id, target: b.id });
      expect(dup.status).toBe(409);
      expect(dup.body.type).toBe('Conflict');
      // a diamond is fine: a → c directly as well
      expect((await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: a.id, target: c.id })).status).toBe(201);
      const other = await createGuild(s.http, owner);
      const foreign = await createTask(s.http, owner, other.id, { minimum_amount_cents: 1 });
      const cross = await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: a.id, target: foreign.id });
      expect(cross.status).toBe(422);
      expect(cross.body.details).toEqual([{ field: 'target', message: `is not a task of guild ${guild.id}` }]);
      const bad = await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: 'x', target: true });
      expect(bad.status).toBe(422);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['source', 'target']);
      expect((await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: a.id })).status).toBe(422);
      expect(
        (await s.http.post(`/api/guilds/${guild.id}/connections`).set('Authorization', owner.auth).send({ source: a.id, target: c.id, weight: 1 })).status,
      ).toBe(422);
    });

    it('prices a datum as the sum of every task (AND-join)', async () => {
      const { guild } = await createPipeline(s.http, owner, {
        tasks: [
          { name: 'a', minimum_amount_cents: 100 },
          { name: 'b', minimum_amount_cents: 200 },
          { name: 'c', minimum_amount_cents: 300 },
          { name: 'd', minimum_amount_cents: 400 },
        ],
        connections: [
          [0, 1],
          [0, 2],
          [1, 3],
          [2, 3],
        ],
      });
      expect(guild.price_per_datum_cents).toBe(1000);
      const list = await s.http.get('/api/guilds').set('Authorization', owner.auth);
      expect(list.body.data.find((g: { id: string }) => g.id === guild.id).price_per_datum).toBe('$10.00');
    });

    it('members read tasks; subscribers see them in /api/me/tasks', async () => {
      const { guild, tasks } = await createPipeline(s.http, owner, { tasks: [{ name: 'a', minimum_amount_cents: 1 }] });
      await addMember(s.http, owner, guild.id, worker);
      expect((await s.http.get(`/api/guilds/${guild.id}/tasks`).set('Authorization', worker.auth)).status).toBe(200);
      await subscribe(s.http, worker, tasks[0].id);
      const mine = await s.http.get('/api/me/tasks').set('Authorization', worker.auth);
      expect(mine.body.data.find((t: { id: string }) => t.id === tasks[0].id)).toEqual(expect.objectContaining({ object: 'Task', open_work_count: 0 }));
      await connectTasks(s.http, owner, guild.id, tasks[0].id, (await createTask(s.http, owner, guild.id, { minimum_amount_cents: 2 })).id);
    });
  });
});
