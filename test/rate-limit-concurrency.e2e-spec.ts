import { registerUser } from './support/fixtures';
import { startTestServer, TestServer } from './support/server';

/**
 * Concurrent hits of one key are counted together (RateLimitStore groups the hits that arrive
 * while the key's upsert is in flight): the count must stay exact, so exactly LIMIT of many
 * concurrent requests pass and the rest are 429s, and the stored counter holds every hit.
 */
const LIMIT = 40;
const SENT = 70;

describe('rate limit under concurrency', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ rateLimitPerMinute: LIMIT });
  });
  afterAll(() => s.close());

  it(`${SENT} concurrent requests of one key: exactly ${LIMIT} pass, the rest are 429 with Retry-After`, async () => {
    // registration is anonymous: counted per address, not against the key
    const u = await registerUser(s.http);
    const res = await Promise.all(Array.from({ length: SENT }, () => s.http.get('/api/me').set('Authorization', u.auth)));
    const ok = res.filter((r) => r.status === 200).length;
    const limited = res.filter((r) => r.status === 429);
    expect({ ok, limited: limited.length }).toEqual({ ok: LIMIT, limited: SENT - LIMIT });
    for (const r of limited) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    // the key's counter (the throttler hashes route and tracker into its name) holds every hit
    const rows = await s.sql<{ hits: number }>(`SELECT hits FROM rate_limit_counters WHERE key LIKE 'throttle:%'`);
    expect(rows.map((r) => r.hits)).toContain(SENT);
  });
});
