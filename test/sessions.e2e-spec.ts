import { registerUser, TestUser, uniqueEmail } from './support/fixtures';
import { startTestServer, TestServer } from './support/server';

const PASSWORD = 'correct horse battery';

describe('POST /api/sessions: a new API key for email + password', () => {
  let s: TestServer;
  let addr = 0;
  /** each test signs in from its own address (TRUST_PROXY=1 believes one X-Forwarded-For hop) */
  const newAddress = () => `203.0.113.${++addr}`;
  const signIn = (email: string, password: string, from: string) => s.http.post('/api/sessions').set('X-Forwarded-For', from).send({ email, password });

  beforeAll(async () => {
    s = await startTestServer({ trustProxy: 1 });
  });
  afterAll(() => s.close());

  it('201 with a User carrying a new API key that works; the old key keeps working', async () => {
    const u = await registerUser(s.http);
    const res = await signIn(u.email, PASSWORD, newAddress());
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      object: 'User',
      id: u.id,
      email: u.email,
      api_key: expect.stringMatching(/^og_/),
      created: expect.any(String),
      updated: expect.any(String),
    });
    expect(res.body.api_key).not.toBe(u.key);
    expect((await s.http.get('/api/me').set('Authorization', `Bearer ${res.body.api_key}`)).body.id).toBe(u.id);
    expect((await s.http.get('/api/me').set('Authorization', u.auth)).status).toBe(200);
    const keys = await s.http.get('/api/api_keys').set('Authorization', u.auth);
    expect(keys.body.data.map((k: { name: string }) => k.name)).toEqual(['session', 'default']);
  });

  it('wrong password and unknown email are the same 401; nothing is created', async () => {
    const u = await registerUser(s.http);
    const from = newAddress();
    const wrong = await signIn(u.email, 'not the password', from);
    const unknown = await signIn(uniqueEmail('nobody'), 'not the password', from);
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'Wrong email or password', type: 'Unauthorized', status: 401 });
    }
    const [{ n }] = await s.sql<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1', [u.id]);
    expect(n).toBe(1);
  });

  it('422 for a missing field', async () => {
    const res = await s.http.post('/api/sessions').send({ email: 'a@example.com' });
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));
  });

  it('past 10 failures a minute per email+address: 429 with Retry-After, even for the right password; another address is not blocked', async () => {
    const u = await registerUser(s.http);
    const from = newAddress();
    for (let i = 0; i < 10; i++) expect((await signIn(u.email, `wrong ${i}`, from)).status).toBe(401);
    const blocked = await signIn(u.email, PASSWORD, from);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toEqual(expect.objectContaining({ type: 'TooManyRequests', status: 429 }));
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // the owner signing in from elsewhere is not locked out by someone guessing from this address
    expect((await signIn(u.email, PASSWORD, newAddress())).status).toBe(201);
  });

  it('past 10 failures a minute per address, whatever the emails: 429', async () => {
    const u = await registerUser(s.http);
    const from = newAddress();
    for (let i = 0; i < 10; i++) expect((await signIn(uniqueEmail('guess'), 'whatever', from)).status).toBe(401);
    expect((await signIn(u.email, PASSWORD, from)).status).toBe(429);
  });

  it('a user holds at most 50 keys: then 409 telling them to delete one, from sessions and from POST /api/api_keys', async () => {
    const u: TestUser = await registerUser(s.http);
    for (let i = 1; i < 50; i++)
      expect(
        (
          await s.http
            .post('/api/api_keys')
            .set('Authorization', u.auth)
            .send({ name: `k${i}` })
        ).status,
      ).toBe(201);
    const fromKeys = await s.http.post('/api/api_keys').set('Authorization', u.auth).send({ name: 'one too many' });
    expect(fromKeys.status).toBe(409);
    expect(fromKeys.body.error).toMatch(/50 API keys.*delete one/);
    const from = newAddress();
    const fromSession = await signIn(u.email, PASSWORD, from);
    expect(fromSession.status).toBe(409);
    expect(fromSession.body).toEqual(expect.objectContaining({ type: 'Conflict', error: expect.stringMatching(/DELETE \/api\/api_keys\/:id/) }));
    const list = await s.http.get('/api/api_keys?limit=1').set('Authorization', u.auth);
    expect((await s.http.delete(`/api/api_keys/${list.body.data[0].id}`).set('Authorization', u.auth)).status).toBe(200);
    expect((await signIn(u.email, PASSWORD, from)).status).toBe(201);
    const [{ n }] = await s.sql<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1 AND deleted_at IS NULL', [u.id]);
    expect(n).toBe(50);
  });
});
