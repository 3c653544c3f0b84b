import { registerUser, TestUser } from '../support/fixtures';
import { addMember, createPipeline } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';

type Wire = Record<string, any>;

/** Every row of the alias table (src/compat/aliases.ts) answers as its canonical route does. */
describe('compat: URL aliases of the docs and the Ruby clients', () => {
  let s: TestServer;
  let owner: TestUser;
  let worker: TestUser;
  let guild: Wire;
  let walletId: string;

  const as = (user: TestUser) => ({
    get: (p: string) => s.http.get(p).set('Authorization', user.auth),
    post: (p: string, body: object = {}) => s.http.post(p).set('Authorization', user.auth).send(body),
    del: (p: string) => s.http.delete(p).set('Authorization', user.auth),
  });

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    worker = await registerUser(s.http);
    ({ guild } = await createPipeline(s.http, owner, { input_parameters: ['image_url'], tasks: [{ name: 'T', minimum_amount_cents: 100 }] }));
    await addMember(s.http, owner, guild.id, worker);
    const wallets = await as(owner).get('/api/wallets');
    walletId = wallets.body.data.find((w: Wire) => w.guild_id === guild.id).id;
  });
  afterAll(() => s.close());

  it('GET aliases answer exactly what their canonical route answers', async () => {
    const member = (await as(owner).get(`/api/guilds/${guild.id}/members`)).body.data[0];
    const pairs: Array<[string, string]> = [
      [`/api/guild/${guild.id}`, `/api/guilds/${guild.id}`],
      ['/api/guild', '/api/guilds'],
      [`/api/guild/${guild.id}/members`, `/api/guilds/${guild.id}/members`],
      [`/api/guild/${guild.id}/members?limit=1&page=1`, `/api/guilds/${guild.id}/members?limit=1&page=1`],
      [
        `/api/guild/${guild.id}/members/find?email=${encodeURIComponent(worker.email)}`,
        `/api/guilds/${guild.id}/members/find?email=${encodeURIComponent(worker.email)}`,
      ],
      [`/api/guild/${guild.id}/members/${member.id}`, `/api/guilds/${guild.id}/members/${member.id}`],
      [`/api/guild/${guild.id}/tasks`, `/api/guilds/${guild.id}/tasks`],
      [`/api/wallet/${walletId}`, `/api/wallets/${walletId}`],
      [`/api/wallet/${walletId}/`, `/api/wallets/${walletId}`],
      [`/api/wallet/${walletId}/transactions`, `/api/wallets/${walletId}/transactions`],
      ['/api/wallet', '/api/wallets'],
    ];
    for (const [alias, canonical] of pairs) {
      const a = await as(owner).get(alias);
      const c = await as(owner).get(canonical);
      expect({ alias, status: a.status }).toEqual({ alias, status: 200 });
      expect({ alias, body: a.body }).toEqual({ alias, body: c.body });
    }
  });

  it('an alias is authenticated and scoped like its canonical route', async () => {
    const stranger = await registerUser(s.http);
    expect((await s.http.get(`/api/guild/${guild.id}`)).status).toBe(401);
    expect((await as(stranger).get(`/api/guild/${guild.id}`)).status).toBe(404);
    expect((await as(stranger).get(`/api/wallet/${walletId}`)).status).toBe(404);
  });

  it('a wrong method on an alias is a 405 naming the canonical methods; a non-id is a 404', async () => {
    const res = await s.http.put(`/api/wallet/${walletId}`).set('Authorization', owner.auth).send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    const notId = await as(owner).get('/api/guild/abc');
    expect(notId.status).toBe(404);
    expect(notId.body.type).toBe('RecordNotFound');
  });

  it('DELETE /api/guild/:gid/members/:id removes the member', async () => {
    const extra = await registerUser(s.http);
    const m = await addMember(s.http, owner, guild.id, extra);
    const res = await as(owner).del(`/api/guild/${guild.id}/members/${m.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'Member', id: m.id, deleted: true });
  });

  it('batch creation answers on every documented path', async () => {
    const body = { batch: { data: [{ image_url: 'a.png' }] } };
    for (const p of [`/api/guild/${guild.id}/batch`, `/api/guild/${guild.id}/batches`, `/api/${guild.id}/batches`, `/api/guilds/${guild.id}/batch`]) {
      const res = await as(owner).post(p, body);
      expect({ p, status: res.status }).toEqual({ p, status: 201 });
      expect(res.body).toMatchObject({ object: 'Batch', guild_id: guild.id, data_count: 1 });
    }
  });

  it('batch paths without /api, and the old List urls api/batch/:id/…', async () => {
    const b = (await as(owner).post(`/api/guilds/${guild.id}/batches`, { batch: { data: [{ image_url: 'a.png' }] } })).body;
    const direct = await as(owner).get(`/api/batches/${b.id}`);
    expect((await as(owner).get(`/batches/${b.id}`)).body).toEqual(direct.body);
    expect((await as(owner).get('/batches')).body).toEqual((await as(owner).get('/api/batches')).body);
    expect((await as(owner).get(`/api/batch/${b.id}/data`)).body).toEqual((await as(owner).get(`/api/batches/${b.id}/data`)).body);
    const canceled = await as(owner).del(`/batches/${b.id}`);
    expect(canceled.body).toEqual({ object: 'Batch', id: b.id, canceled: true });
  });

  it('an Idempotency-Key retry through an alias replays the canonical request (one path per key)', async () => {
    const b = (await as(owner).post(`/api/guilds/${guild.id}/batches`, { batch: { data: [{ image_url: 'a.png' }] } })).body;
    await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' });
    const first = await s.http.post(`/api/batches/${b.id}/debits`).set('Authorization', owner.auth).set('Idempotency-Key', `k-${b.id}`).send({});
    expect(first.status).toBe(201);
    const retry = await s.http.post(`/api/batch/${b.id}/debits`).set('Authorization', owner.auth).set('Idempotency-Key', `k-${b.id}`).send({});
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
  });

  it('the OpenAPI document lists canonical paths only', async () => {
    const doc = await s.http.get('/api/openapi.json');
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body.paths);
    expect(paths).toContain('/api/guilds/{id}');
    expect(paths.filter((p) => /^\/api\/(guild|wallet|batch)\//.test(p))).toEqual([]);
  });

  it('paths that only look like aliases are not rewritten', async () => {
    expect((await s.http.get('/health')).status).toBe(200);
    expect((await as(owner).get('/api/guildsx')).status).toBe(404);
    expect((await as(owner).get('/guilds')).status).toBe(404); // only /batches is documented without /api
  });
});
