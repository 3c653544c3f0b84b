import { registerUser } from './support/fixtures';
import { startTestServer, TestServer } from './support/server';

/** The worker pages over plain HTTP (the browser journey is in test/browser/worker.e2e-spec.ts). */
describe('worker pages', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
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
      const res = await s.http.get(`/workspaces/demo/images/${n}.svg`).buffer(true).parse((r, cb) => {
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

  it('a workspace link whose submitTo is not this server, or whose token is wrong, shows no work', async () => {
    const evil = encodeURIComponent('https://evil.example.com/api/assignments/1/submit?token=ogs_x');
    let res = await s.http.get(`/workspaces/demo?workerId=1&assignmentId=1&submitTo=${evil}`);
    expect(res.status).toBe(400);
    expectStrictHtml(res);
    expect(res.text).not.toContain('evil.example.com');

    const other = encodeURIComponent(`${s.config.publicUrl}/api/assignments/2/submit?token=ogs_x`);
    expect((await s.http.get(`/workspaces/demo?workerId=1&assignmentId=1&submitTo=${other}`)).status).toBe(400);

    const wrong = encodeURIComponent(`${s.config.publicUrl}/api/assignments/1/submit?token=ogs_wrong`);
    res = await s.http.get(`/workspaces/demo?workerId=1&assignmentId=1&submitTo=${wrong}`);
    expect(res.status).toBe(404);
    expectStrictHtml(res);
    expect(res.text).toContain('Assignment not found');
    // what the server logged carries no token
    expect(s.logs.text()).not.toContain('ogs_wrong');
  });

  it('after-submit and claim-next with an unknown token are 404 pages', async () => {
    const res = await s.http.get('/work/after-submit?assignmentId=1&token=ogs_nope');
    expect(res.status).toBe(404);
    expectStrictHtml(res);
    const post = await s.http.post('/work/claim-next').type('form').send({ assignmentId: '1', token: 'ogs_nope' });
    expect(post.status).toBe(404);
    expectStrictHtml(post);
    expect((await s.http.post('/work/claim-next').send({ assignmentId: '1', token: 'x' })).status).toBe(404);
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
