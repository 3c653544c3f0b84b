import { registerUser, TestUser } from './support/fixtures';
import { addMember, subscribe } from './support/guild-fixtures';
import { startTestServer, TestServer } from './support/server';
import { giveCard, setUpPipeline } from './support/work-fixtures';

/** The value of one sample of the Prometheus text, or 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('operations: /metrics, security headers', () => {
  let s: TestServer;
  let owner: TestUser;
  const scrape = async () => {
    const res = await s.http.get('/metrics').set('Authorization', 'Bearer metrics-secret');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.text;
  };

  beforeAll(async () => {
    s = await startTestServer({ metricsToken: 'metrics-secret' });
    owner = await registerUser(s.http);
    await giveCard(s, owner);
  });
  afterAll(() => s.close());

  it('/metrics needs the METRICS_TOKEN as a Bearer token when it is set', async () => {
    const none = await s.http.get('/metrics');
    expect(none.status).toBe(401);
    expect(none.body).toEqual(expect.objectContaining({ type: 'Unauthorized', status: 401 }));
    expect((await s.http.get('/metrics').set('Authorization', 'Bearer wrong')).status).toBe(401);
    // an API key is not the metrics token
    expect((await s.http.get('/metrics').set('Authorization', owner.auth)).status).toBe(401);
    expect((await s.http.get('/metrics').set('Authorization', 'Bearer metrics-secret')).status).toBe(200);
  });

  it('a request moves the request counter, labelled by route pattern, never the raw URL', async () => {
    const guild = await s.http.post('/api/guilds').set('Authorization', owner.auth).send({ name: 'Secret Guild Name', description: 'x' });
    expect(guild.status).toBe(201);
    const labels = { method: 'GET', route: '/api/guilds/:id', status: '200' };
    const before = sample(await scrape(), 'openguilds_http_requests_total', labels);
    expect((await s.http.get(`/api/guilds/${guild.body.id}`).set('Authorization', owner.auth)).status).toBe(200);
    const text = await scrape();
    expect(sample(text, 'openguilds_http_requests_total', labels)).toBe(before + 1);
    expect(sample(text, 'openguilds_http_request_duration_seconds_count', labels)).toBe(before + 1);
    // unknown paths share one label; no tenant data (ids, emails, names) in any label
    expect((await s.http.get('/api/no-such-thing/123').set('Authorization', owner.auth)).status).toBe(404);
    const after = await scrape();
    expect(sample(after, 'openguilds_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain(`/api/guilds/${guild.body.id}"`);
    expect(after).not.toContain('no-such-thing');
    expect(after).not.toContain(owner.email);
    expect(after).not.toContain('Secret Guild Name');
  });

  it('a claim and a submit move the claims and submits counters; open work per task follows', async () => {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'Label', minimum_amount_cents: 100 }] });
    const batch = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ n: 1 }, { n: 2 }] } });
    expect(batch.status).toBe(201);
    expect((await s.http.post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const worker = await registerUser(s.http);
    await addMember(s.http, owner, p.guildId, worker);
    await subscribe(s.http, worker, p.taskIds[0]);
    const task = p.taskIds[0];

    const t0 = await scrape();
    expect(sample(t0, 'openguilds_open_work_items', { task_id: task, state: 'open' })).toBe(2);
    const claimed0 = sample(t0, 'openguilds_claims_total', { outcome: 'claimed' });
    const submits0 = sample(t0, 'openguilds_submits_total');

    const a = await s.http.post(`/api/tasks/${task}/claims`).set('Authorization', worker.auth);
    expect(a.status).toBe(201);
    const t1 = await scrape();
    expect(sample(t1, 'openguilds_claims_total', { outcome: 'claimed' })).toBe(claimed0 + 1);
    expect(sample(t1, 'openguilds_submits_total')).toBe(submits0);
    expect(sample(t1, 'openguilds_open_work_items', { task_id: task, state: 'open' })).toBe(1);
    expect(sample(t1, 'openguilds_open_work_items', { task_id: task, state: 'claimed' })).toBe(1);

    expect(
      (
        await s.http
          .post(`/api/assignments/${a.body.id}/submit`)
          .set('Authorization', worker.auth)
          .send({ parameters: { label: 'x' } })
      ).status,
    ).toBe(200);
    const t2 = await scrape();
    expect(sample(t2, 'openguilds_submits_total')).toBe(submits0 + 1);
    expect(sample(t2, 'openguilds_open_work_items', { task_id: task, state: 'claimed' })).toBe(0);
    // the rest of the families are there
    for (const name of [
      'openguilds_queue_depth',
      'openguilds_webhook_oldest_due_seconds',
      'openguilds_db_pool_connections',
      'openguilds_webhook_attempts_total',
      'openguilds_webhook_delivery_lag_seconds',
    ]) {
      expect(t2).toContain(`# TYPE ${name} `);
    }
    expect(sample(t2, 'openguilds_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
  });

  it('sends security headers and no X-Powered-By; worker pages keep their own strict CSP', async () => {
    const api = await s.http.get('/health');
    expect(api.headers['x-powered-by']).toBeUndefined();
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['content-security-policy']).toContain("default-src 'self'");
    expect(api.headers['strict-transport-security']).toBeUndefined(); // public URL is http
    const page = await s.http.get('/work');
    expect(page.status).toBe(200);
    expect(page.headers['x-powered-by']).toBeUndefined();
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'/);
  });
});
