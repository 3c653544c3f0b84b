import { registerUser, TestUser } from './support/fixtures';
import { addMember, subscribe } from './support/guild-fixtures';
import { startTestServer, TestServer } from './support/server';
import { giveCard, setUpPipeline } from './support/work-fixtures';

/** A real claim: its id and submit_to token. */
interface Claim {
  id: string;
  token: string;
  worker: TestUser;
}

/** The worker pages over plain HTTP (the browser journey is in test/browser/worker.e2e-spec.ts). */
describe('worker pages', () => {
  let s: TestServer;
  /** two live claims of two tenants (different owners, guilds and workers) */
  let a: Claim;
  let b: Claim;

  async function claimIn(): Promise<Claim> {
    const owner = await registerUser(s.http);
    const worker = await registerUser(s.http);
    const p = await setUpPipeline(s, owner, { input_parameters: ['q'], tasks: [{ name: 'look', minimum_amount_cents: 10 }] });
    await addMember(s.http, owner, p.guildId, worker);
    await subscribe(s.http, worker, p.taskIds[0]);
    await giveCard(s, owner);
    const batch = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ q: '1' }, { q: '2' }] } });
    expect((await s.http.post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const c = await s.http.post(`/api/tasks/${p.taskIds[0]}/claims`).set('Authorization', worker.auth);
    expect(c.status).toBe(201);
    return { id: c.body.id, token: new URL(c.body.submit_to).searchParams.get('token')!, worker };
  }
  async function assignmentsOf(w: TestUser): Promise<string[]> {
    const res = await s.http.get('/api/assignments').set('Authorization', w.auth);
    expect(res.status).toBe(200);
    return res.body.data.map((x: { id: string; status: string }) => `${x.id}:${x.status}`).sort();
  }

  beforeAll(async () => {
    s = await startTestServer();
    a = await claimIn();
    b = await claimIn();
  });
  afterAll(() => s.close());

  function expectStrictHtml(res: { headers: Record<string, string>; text: string }) {
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.text).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.text).not.toMatch(/<script>|<style|style=| on[a-z]+=/i); // nothing inline
  }

  it('GET /workspaces/demo without an assignment is the preview, public and strict', async () => {
    const res = await s.http.get('/workspaces/demo');
    expect(res.status).toBe(200);
    expectStrictHtml(res);
    expect(res.headers['content-security-policy']).toContain("script-src 'none'");
    expect(res.text).toContain('Sample workspace');
    expect(res.text).toContain('alt="A sample image: a red circle"');
  });

  it('serves the sample images as SVG', async () => {
    for (const n of [1, 2, 3, 4]) {
      const res = await s.http
        .get(`/workspaces/demo/images/${n}.svg`)
        .buffer(true)
        .parse((r, cb) => {
          let data = '';
          r.on('data', (c: Buffer) => (data += c.toString()));
          r.on('end', () => cb(null, data));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      expect(res.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
    expect((await s.http.get('/workspaces/demo/images/5.svg')).status).toBe(404);
    expect((await s.http.get('/workspaces/demo/images/..%2F..%2Fpackage.json')).status).toBe(404);
  });

  it('a workspace link whose submitTo is not this server, or whose token is wrong, shows no work (real assignments)', async () => {
    const link = (assignmentId: string, submitTo: string) =>
      `/workspaces/demo?workerId=1&assignmentId=${assignmentId}&submitTo=${encodeURIComponent(submitTo)}`;
    const submitTo = (id: string, token: string) => `${s.config.publicUrl}/api/assignments/${id}/submit?token=${token}`;
    // the right link works, so every refusal below is about the link, not a missing record
    const good = await s.http.get(link(a.id, submitTo(a.id, a.token)));
    expect(good.status).toBe(200);
    expectStrictHtml(good);

    let res = await s.http.get(link(a.id, `https://evil.example.com/api/assignments/${a.id}/submit?token=${a.token}`));
    expect(res.status).toBe(400);
    expectStrictHtml(res);
    expect(res.text).not.toContain('evil.example.com');
    // submitTo names another (real) assignment than the link
    expect((await s.http.get(link(a.id, submitTo(b.id, b.token)))).status).toBe(400);
    // A's id with a made-up token, and with another tenant's valid token
    for (const token of ['ogs_wrong', b.token]) {
      res = await s.http.get(link(a.id, submitTo(a.id, token)));
      expect(res.status).toBe(404);
      expectStrictHtml(res);
      expect(res.text).toContain('Assignment not found');
    }
    // what the server logged carries no token
    expect(s.logs.text()).not.toContain('ogs_wrong');
  });

  it('after-submit and claim-next with a wrong token for a real assignment are 404 pages, and claim nothing', async () => {
    const before = await assignmentsOf(a.worker);
    const beforeB = await assignmentsOf(b.worker);
    expect((await s.http.get(`/work/after-submit?assignmentId=${a.id}&token=${a.token}`)).status).toBe(200);
    for (const token of ['ogs_nope', b.token]) {
      const res = await s.http.get(`/work/after-submit?assignmentId=${a.id}&token=${token}`);
      expect(res.status).toBe(404);
      expectStrictHtml(res);
      const post = await s.http.post('/work/claim-next').type('form').send({ assignmentId: a.id, token });
      expect(post.status).toBe(404);
      expectStrictHtml(post);
    }
    expect((await s.http.post('/work/claim-next').send({ assignmentId: a.id, token: 'x' })).status).toBe(404);
    expect(await assignmentsOf(a.worker)).toEqual(before);
    expect(await assignmentsOf(b.worker)).toEqual(beforeB);
  });

  it('GET /work is public HTML that loads its script from this server only', async () => {
    const res = await s.http.get('/work');
    expect(res.status).toBe(200);
    expectStrictHtml(res);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'; connect-src 'self'");
    expect(res.text).toContain('<script src="/work/assets/work.js" defer></script>');
    expect(res.text).toContain('<label for="api-key">API key</label>');
    // the key input has no name, so even without script a form submit never carries it
    expect(res.text).toMatch(/<input id="api-key"(?![^>]*name=)[^>]*>/);
    expect(res.headers['set-cookie']).toBeUndefined();

    const js = await s.http.get('/work/assets/work.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text).toContain('sessionStorage');
    expect(js.text).not.toContain('document.cookie');
    expect(js.text).not.toContain('innerHTML');
    const css = await s.http.get('/work/assets/worker.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('the pages need no key, and the API still does', async () => {
    const u = await registerUser(s.http);
    expect((await s.http.get('/work').set('Authorization', u.auth)).status).toBe(200);
    expect((await s.http.get('/api/me')).status).toBe(401);
  });
});
