import request from 'supertest';
import { registerUser, TestUser, uniqueEmail } from './support/fixtures';
import { startTestServer, TestServer } from './support/server';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function expectErrorShape(body: unknown, status: number, type: string) {
  expect(body).toEqual(expect.objectContaining({ status, type, error: expect.any(String) }));
}

describe('foundation: accounts, auth and the HTTP conventions', () => {
  let s: TestServer;
  let user: TestUser;

  beforeAll(async () => {
    s = await startTestServer();
    user = await registerUser(s.http);
  });
  afterAll(() => s.close());

  describe('registration and the three auth forms', () => {
    it('registers a user and shows the key once', async () => {
      const email = uniqueEmail();
      const res = await s.http.post('/api/register').send({ email, password: 'longenough1', password_confirmation: 'longenough1' });
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/application\/json; charset=utf-8/);
      expect(res.body).toEqual({
        object: 'User',
        id: expect.stringMatching(/^\d+$/),
        email,
        api_key: expect.stringMatching(/^og_[\w-]{32}$/),
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated: expect.any(String),
      });
      const stored = await s.sql<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [res.body.id]);
      expect(stored[0].password_hash).toMatch(/^scrypt\$/);
      const keys = await s.sql<{ key_hash: Buffer }>('SELECT key_hash FROM api_keys WHERE user_id = $1', [res.body.id]);
      expect(keys).toHaveLength(1);
      expect(keys[0].key_hash.toString('utf8')).not.toContain(res.body.api_key);
    });

    it.each([
      ['Basic key: (curl -u KEY:)', () => `Basic ${b64(`${user.key}:`)}`],
      ['Basic key with no colon (Ruby client)', () => `Basic ${b64(user.key)}`],
      ['Basic key with a trailing newline', () => `Basic ${b64(`${user.key}\n`)}`],
      ['Bearer key', () => `Bearer ${user.key}`],
    ])('GET /api/me with %s', async (_name, header) => {
      const res = await s.http.get('/api/me').set('Authorization', header());
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ object: 'User', id: user.id, email: user.email }));
      expect(res.body.api_key).toBeUndefined();
    });

    it('GET /api/users/authenticate is the same as /api/me', async () => {
      const res = await s.http.get('/api/users/authenticate').auth(user.key, '');
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
    });

    it.each([
      ['no key', undefined],
      ['a wrong Basic key', `Basic ${b64('og_wrong:')}`],
      ['a wrong Bearer key', 'Bearer og_wrong'],
      ['garbage', 'Token abc'],
    ])('401 with WWW-Authenticate for %s', async (_name, header) => {
      const req = s.http.get('/api/me');
      if (header) req.set('Authorization', header);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="OpenGuilds"');
      expectErrorShape(res.body, 401, 'Unauthorized');
    });

    it('rejects a duplicate email (any case) with 422 naming the field', async () => {
      const res = await s.http.post('/api/register').send({ email: user.email.toUpperCase(), password: 'longenough1', password_confirmation: 'longenough1' });
      expect(res.status).toBe(422);
      expectErrorShape(res.body, 422, 'InvalidParameters');
      expect(res.body.details).toEqual([{ field: 'email', message: 'has already been taken' }]);
    });

    it('rejects a confirmation that does not match', async () => {
      const res = await s.http.post('/api/register').send({ email: uniqueEmail(), password: 'longenough1', password_confirmation: 'different1' });
      expect(res.status).toBe(422);
      expect(res.body.details).toEqual([{ field: 'password_confirmation', message: "doesn't match password" }]);
    });

    it('lists each invalid field of a registration', async () => {
      const res = await s.http.post('/api/register').send({ email: 'not-an-email', password: 'short', password_confirmation: 'short' });
      expect(res.status).toBe(422);
      const fields = res.body.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'password']));
    });
  });

  describe('API keys', () => {
    it('creates a key shown once, lists it without the secret, deletes it, and it stops working', async () => {
      const created = await s.http.post('/api/api_keys').set('Authorization', user.auth).send({ name: 'ci' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual(expect.objectContaining({ object: 'ApiKey', id: expect.any(String), name: 'ci', api_key: expect.stringMatching(/^og_/) }));
      const newKey: string = created.body.api_key;
      expect(created.body.key_hint).toBe(`…${newKey.slice(-4)}`);

      expect((await s.http.get('/api/me').set('Authorization', `Bearer ${newKey}`)).status).toBe(200);

      const list = await s.http.get('/api/api_keys').set('Authorization', user.auth);
      expect(list.status).toBe(200);
      expect(list.body).toEqual(expect.objectContaining({ object: 'List', url: '/api/api_keys', has_more: false, page: 1 }));
      expect(list.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
      expect(JSON.stringify(list.body)).not.toContain(newKey);

      const del = await s.http.delete(`/api/api_keys/${created.body.id}`).set('Authorization', user.auth);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ object: 'ApiKey', id: created.body.id, deleted: true });
      expect((await s.http.get('/api/me').set('Authorization', `Bearer ${newKey}`)).status).toBe(401);
    });

    it("404 for another user's key, and it keeps working", async () => {
      const other = await registerUser(s.http);
      const otherKeys = await s.http.get('/api/api_keys').set('Authorization', other.auth);
      const res = await s.http.delete(`/api/api_keys/${otherKeys.body.data[0].id}`).set('Authorization', user.auth);
      expect(res.status).toBe(404);
      expectErrorShape(res.body, 404, 'RecordNotFound');
      expect((await s.http.get('/api/me').set('Authorization', other.auth)).status).toBe(200);
    });

    it('404 for an id that is not a number', async () => {
      const res = await s.http.delete('/api/api_keys/abc').set('Authorization', user.auth);
      expect(res.status).toBe(404);
      expectErrorShape(res.body, 404, 'RecordNotFound');
    });
  });

  describe('pagination', () => {
    it.each(['0', '101', 'abc', '-1', '1.5'])('limit=%s is a 422', async (limit) => {
      const res = await s.http.get(`/api/api_keys?limit=${limit}`).set('Authorization', user.auth);
      expect(res.status).toBe(422);
      expect(res.body.details[0].field).toBe('limit');
    });

    it('page=0 is a 422, and pages split the list with has_more', async () => {
      expect((await s.http.get('/api/api_keys?page=0').set('Authorization', user.auth)).status).toBe(422);
      for (let i = 0; i < 2; i++) await s.http.post('/api/api_keys').set('Authorization', user.auth).send({});
      const first = await s.http.get('/api/api_keys?limit=2&page=1').set('Authorization', user.auth);
      expect(first.body.data).toHaveLength(2);
      expect(first.body.has_more).toBe(true);
      const total = (await s.http.get('/api/api_keys').set('Authorization', user.auth)).body.data.length;
      const last = await s.http.get(`/api/api_keys?limit=2&page=${Math.ceil(total / 2)}`).set('Authorization', user.auth);
      expect(last.body.has_more).toBe(false);
      expect(last.body.page).toBe(Math.ceil(total / 2));
    });
  });

  describe('the error shape for every failure', () => {
    it('400 for malformed JSON', async () => {
      const res = await s.http.post('/api/api_keys').set('Authorization', user.auth).set('Content-Type', 'application/json').send('{"name": ');
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'BadRequest');
    });

    it('400 for a JSON body that is not an object', async () => {
      const res = await s.http.post('/api/api_keys').set('Authorization', user.auth).set('Content-Type', 'application/json').send('[1,2]');
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'BadRequest');
    });

    it('422 with details for an unknown field', async () => {
      const res = await s.http.post('/api/api_keys').set('Authorization', user.auth).send({ name: 'x', colour: 'blue' });
      expect(res.status).toBe(422);
      expect(res.body.details).toEqual([{ field: 'colour', message: 'is not a permitted field' }]);
    });

    it('422 for a wrong type', async () => {
      const res = await s.http.post('/api/api_keys').set('Authorization', user.auth).send({ name: 42 });
      expect(res.status).toBe(422);
      expect(res.body.details[0].field).toBe('name');
    });

    it('404 for an unknown route', async () => {
      const res = await s.http.get('/api/nothing-here').set('Authorization', user.auth);
      expect(res.status).toBe(404);
      expectErrorShape(res.body, 404, 'RecordNotFound');
    });

    it('405 with Allow for a known path and the wrong method', async () => {
      const res = await s.http.put('/api/me').set('Authorization', user.auth).send({});
      expect(res.status).toBe(405);
      expectErrorShape(res.body, 405, 'MethodNotAllowed');
      expect(res.headers.allow).toContain('GET');
    });

    it('406 when Accept excludes JSON', async () => {
      const res = await s.http.get('/api/me').set('Authorization', user.auth).set('Accept', 'text/csv');
      expect(res.status).toBe(406);
      expectErrorShape(res.body, 406, 'NotAcceptable');
    });

    it('415 for a body of the wrong content type', async () => {
      const res = await s.http.post('/api/api_keys').set('Authorization', user.auth).set('Content-Type', 'text/plain').send('name=x');
      expect(res.status).toBe(415);
      expectErrorShape(res.body, 415, 'UnsupportedMediaType');
    });

    it('400 for an unknown OpenGuilds-Version', async () => {
      // a route whose shape depends on the version (GET /api/wallets); /api/me ignores the header
      const known = await s.http.get('/api/wallets').set('Authorization', user.auth).set('OpenGuilds-Version', '2018-12-18');
      expect(known.status).toBe(200);
      const res = await s.http.get('/api/wallets').set('Authorization', user.auth).set('OpenGuilds-Version', '1999-01-01');
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'BadRequest');
      expect(res.body.error).toContain('1999-01-01');
    });

    it('413 for a body over the limit', async () => {
      const small = await startTestServer({}, { JSON_BODY_LIMIT_BYTES: '2048' });
      try {
        const res = await small.http.post('/api/register').send({ email: uniqueEmail(), password: 'x'.repeat(5000), password_confirmation: 'x' });
        expect(res.status).toBe(413);
        expectErrorShape(res.body, 413, 'PayloadTooLarge');
      } finally {
        await small.close();
      }
    });

    it('500 with a generic message, and the details only in the log', async () => {
      await s.sql('ALTER TABLE users RENAME COLUMN updated TO updated_broken');
      try {
        const res = await s.http.get('/api/me').set('Authorization', user.auth).set('X-Request-Id', 'req-500-test');
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: 'Internal server error', type: 'InternalError', status: 500 });
        expect(JSON.stringify(res.body)).not.toContain('updated');
        const logged = s.logs.lines.filter((l) => l.includes('req-500-test') && l.includes('unhandled error'));
        expect(logged.length).toBeGreaterThan(0);
        expect(logged.join('\n')).toContain('updated');
      } finally {
        await s.sql('ALTER TABLE users RENAME COLUMN updated_broken TO updated');
      }
    });
  });

  describe('operations', () => {
    it('GET /health and /ready', async () => {
      const health = await s.http.get('/health');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      const ready = await s.http.get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
      expect(ready.body.info).toEqual(expect.objectContaining({ database: { status: 'up' }, migrations: { status: 'up' } }));
    });

    it('serves the OpenAPI document and the docs page', async () => {
      const doc = await s.http.get('/api/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/register', '/api/me', '/api/api_keys']));
      const page = await s.http.get('/api/docs').set('Accept', 'text/html').redirects(1);
      expect(page.status).toBe(200);
      expect(page.text).toContain('swagger');
    });

    it('echoes X-Request-Id, or makes one', async () => {
      const echoed = await s.http.get('/health').set('X-Request-Id', 'abc-123');
      expect(echoed.headers['x-request-id']).toBe('abc-123');
      const made = await s.http.get('/health');
      expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('logs JSON lines with the request id and never the API key', async () => {
      await s.http.get('/api/me').set('Authorization', user.auth).set('X-Request-Id', 'log-check-1');
      const line = s.logs.lines.find((l) => l.includes('log-check-1'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toEqual(expect.objectContaining({ req: expect.objectContaining({ id: 'log-check-1', url: '/api/me' }) }));
      expect(s.logs.text()).not.toContain(user.key);
      expect(s.logs.text()).not.toContain('correct horse battery');
    });

    it('rate-limits per API key with 429 and Retry-After', async () => {
      const limited = await startTestServer({ rateLimitPerMinute: 3 });
      try {
        const a = await registerUser(limited.http);
        const b = await registerUser(limited.http);
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await limited.http.get('/api/me').set('Authorization', a.auth)).status);
        expect(statuses).toEqual([200, 200, 200, 429]);
        const res = await limited.http.get('/api/me').set('Authorization', `Basic ${b64(a.key)}`);
        expect(res.status).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expectErrorShape(res.body, 429, 'TooManyRequests');
        // another key has its own budget
        expect((await limited.http.get('/api/me').set('Authorization', b.auth)).status).toBe(200);
      } finally {
        await limited.close();
      }
    });
  });

  it('the URL it reports is a real server', async () => {
    const res = await request(s.url).get('/health');
    expect(res.status).toBe(200);
  });
});
