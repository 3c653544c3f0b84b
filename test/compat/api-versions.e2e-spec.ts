import { registerUser, TestUser } from '../support/fixtures';
import { addMember, createPipeline, subscribe } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';

type Wire = Record<string, any>;

const V = '2018-12-18';
const list = (url: string, data: unknown[], has_more = false) => ({ object: 'List', url, has_more, page: 1, data });

/**
 * API.md §1.4 for every object that nests a collection, on every route that renders it:
 * default shapes unchanged (bare arrays, connections with source/target), and under
 * `OpenGuilds-Version: 2018-12-18` Lists (connections with source_id/target_id).
 */
describe('compat: OpenGuilds-Version 2018-12-18 shapes, chosen per request', () => {
  let s: TestServer;
  let owner: TestUser;
  let worker: TestUser;
  let guild: Wire;
  let tasks: Wire[];

  const get = (path: string, version?: string, user = owner) => {
    const req = s.http.get(path).set('Authorization', user.auth);
    return version ? req.set('OpenGuilds-Version', version) : req;
  };

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    worker = await registerUser(s.http);
    ({ guild, tasks } = await createPipeline(s.http, owner, {
      input_parameters: ['image_url'],
      tasks: [
        { name: 'A', minimum_amount_cents: 100 },
        { name: 'B', minimum_amount_cents: 50 },
        { name: 'C', minimum_amount_cents: 25 },
      ],
      connections: [
        [0, 1],
        [1, 2],
      ],
    }));
    await addMember(s.http, owner, guild.id, worker);
    await subscribe(s.http, worker, tasks[1].id);
  });
  afterAll(() => s.close());

  describe('Task.connections', () => {
    const taskRoutes = () => [`/api/tasks/${tasks[1].id}`, `/api/guilds/${guild.id}/tasks/${tasks[1].id}`];

    it('default: a bare array of {source, target}, inbound and outbound', async () => {
      for (const path of taskRoutes()) {
        const res = await get(path);
        expect(res.status).toBe(200);
        expect(res.body.connections).toEqual([
          { object: 'Connection', id: expect.any(String), source: tasks[0].id, target: tasks[1].id },
          { object: 'Connection', id: expect.any(String), source: tasks[1].id, target: tasks[2].id },
        ]);
      }
    });

    it('2018-12-18: a List of {source_id, target_id} whose url lists them', async () => {
      for (const path of taskRoutes()) {
        const res = await get(path, V);
        expect(res.status).toBe(200);
        expect(res.body.connections).toEqual(
          list(`/api/tasks/${tasks[1].id}/connections`, [
            { object: 'Connection', id: expect.any(String), source_id: tasks[0].id, target_id: tasks[1].id },
            { object: 'Connection', id: expect.any(String), source_id: tasks[1].id, target_id: tasks[2].id },
          ]),
        );
        const byUrl = await get(res.body.connections.url, V);
        expect(byUrl.status).toBe(200);
        expect(byUrl.body.data).toEqual(res.body.connections.data);
      }
    });

    it('the task lists (guild tasks, my tasks) and a new connection follow the version too', async () => {
      const d = await get(`/api/guilds/${guild.id}/tasks`);
      const n = await get(`/api/guilds/${guild.id}/tasks`, V);
      expect(d.body.data.every((t: Wire) => Array.isArray(t.connections))).toBe(true);
      expect(n.body.data.every((t: Wire) => t.connections.object === 'List')).toBe(true);
      expect(n.body.data.flatMap((t: Wire) => t.connections.data).every((c: Wire) => 'source_id' in c && !('source' in c))).toBe(true);

      const mineD = await get('/api/me/tasks', undefined, worker);
      const mineN = await get('/api/me/tasks', V, worker);
      expect(Array.isArray(mineD.body.data[0].connections)).toBe(true);
      expect(mineN.body.data[0].connections).toMatchObject({ object: 'List', url: `/api/tasks/${tasks[1].id}/connections` });

      const extra = await createPipeline(s.http, owner, {
        tasks: [
          { name: 'X', minimum_amount_cents: 1 },
          { name: 'Y', minimum_amount_cents: 1 },
        ],
      });
      const conn = await s.http
        .post(`/api/guilds/${extra.guild.id}/connections`)
        .set('Authorization', owner.auth)
        .set('OpenGuilds-Version', V)
        .send({ source: extra.tasks[0].id, target: extra.tasks[1].id });
      expect(conn.status).toBe(201);
      expect(conn.body).toEqual({ object: 'Connection', id: expect.any(String), source_id: extra.tasks[0].id, target_id: extra.tasks[1].id });
    });
  });

  describe('Batch.data and Batch.webhooks', () => {
    it('default: arrays (first 100 data, data_has_more/data_url past them); 2018-12-18: Lists with has_more', async () => {
      const data = Array.from({ length: 101 }, (_, i) => ({ image_url: `img${i}.png` }));
      const body = { batch: { data, webhooks: [{ destination: 'https://hooks.example.com/x', secret: 's3cret' }] } };
      const created = await s.http.post(`/api/guilds/${guild.id}/batches`).set('Authorization', owner.auth).send(body);
      expect(created.status).toBe(201);
      const id = created.body.id;
      const d = await get(`/api/batches/${id}`);
      expect(d.body.data).toHaveLength(100);
      expect(d.body).toMatchObject({ data_has_more: true, data_url: `/api/batches/${id}/data` });
      expect(d.body.webhooks).toEqual([expect.objectContaining({ object: 'Webhook', destination: 'https://hooks.example.com/x' })]);
      const n = await get(`/api/batches/${id}`, V);
      expect(n.body.data).toEqual(list(`/api/batches/${id}/data`, d.body.data, true));
      expect(n.body.webhooks).toEqual(list(`/api/batches/${id}/webhooks`, d.body.webhooks));
      const created2 = await s.http
        .post(`/api/guilds/${guild.id}/batches`)
        .set('Authorization', owner.auth)
        .set('OpenGuilds-Version', V)
        .send({ batch: { data: [{ image_url: 'one.png' }] } });
      expect(created2.body.data).toMatchObject({ object: 'List', has_more: false, data: [expect.objectContaining({ object: 'Datum' })] });
      const listD = await get('/api/batches');
      const listN = await get('/api/batches', V);
      expect(listD.body.data.every((b: Wire) => Array.isArray(b.data) && Array.isArray(b.webhooks))).toBe(true);
      expect(listN.body.data.every((b: Wire) => b.data.object === 'List' && b.webhooks.object === 'List')).toBe(true);
      expect(JSON.stringify([d.body, n.body, listD.body, listN.body])).not.toContain('s3cret');
    });
  });

  describe('Wallet.transactions', () => {
    it('default: a bare array; 2018-12-18: a List with the wallet transactions url', async () => {
      const d = await get('/api/wallets');
      const n = await get('/api/wallets', V);
      expect(d.status).toBe(200);
      expect(d.body.data.length).toBeGreaterThan(0);
      for (const w of d.body.data) expect(Array.isArray(w.transactions)).toBe(true);
      for (const w of n.body.data) expect(w.transactions).toEqual(list(`/api/wallets/${w.id}/transactions`, expect.any(Array), expect.any(Boolean)));
      const id = d.body.data[0].id;
      expect(Array.isArray((await get(`/api/wallets/${id}`)).body.transactions)).toBe(true);
      expect((await get(`/api/wallets/${id}`, V)).body.transactions).toMatchObject({ object: 'List', url: `/api/wallets/${id}/transactions` });
    });
  });

  describe('the header', () => {
    it('is chosen per request on one server: alternating requests get their own shape', async () => {
      const path = `/api/tasks/${tasks[1].id}`;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => get(path, i % 2 ? V : undefined)));
      results.forEach((r, i) => expect(Array.isArray(r.body.connections)).toBe(i % 2 === 0));
    });

    it('an unknown version is a 400 naming the known ones; an empty header is the default', async () => {
      const bad = await get(`/api/tasks/${tasks[1].id}`, '2019-01-01');
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ type: 'BadRequest', error: expect.stringContaining('2018-12-18') });
      const empty = await s.http.get(`/api/tasks/${tasks[1].id}`).set('Authorization', owner.auth).set('OpenGuilds-Version', '');
      expect(Array.isArray(empty.body.connections)).toBe(true);
    });

    it('objects without nested collections are the same under both versions', async () => {
      for (const path of [`/api/guilds/${guild.id}`, `/api/guilds/${guild.id}/members`, '/api/me']) {
        const d = await get(path);
        const n = await get(path, V);
        expect({ path, body: n.body }).toEqual({ path, body: d.body });
      }
    });
  });
});
