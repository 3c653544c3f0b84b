import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DemoMarketplace, setUpDemoMarketplace } from '../../src/pages/demo-setup';
import { startTestServer, TestServer } from '../support/server';
import { describeInBrowser, launchChromium, screenshotPath } from './chromium';

/**
 * The worker's journey in headless Chromium against the real server: sign in at /work with an API
 * key, claim, label an image in the sample workspace, submit the real form, land on the
 * after-submit page; then the API shows the datum moved on and the worker was paid. And the
 * workspace + submit + claim-next once more with JavaScript turned off.
 * WRITE_SCREENSHOTS=1 writes docs/screenshots/*.png.
 */
describeInBrowser('worker experience in a real browser', () => {
  let s: TestServer;
  let browser: Browser;
  let demo: DemoMarketplace;
  let publicUrl: string;
  const problems: string[] = [];

  beforeAll(async () => {
    s = await startTestServer();
    publicUrl = s.config.publicUrl;
    browser = await launchChromium();
    demo = await setUpDemoMarketplace({ apiUrl: s.url, publicUrl, images: 3, emailPrefix: 'browser' });
  }, 120_000);
  beforeEach(() => {
    problems.length = 0;
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  async function api(key: string, path: string, method = 'GET') {
    const res = await s.http[method === 'GET' ? 'get' : 'post'](path).set('Authorization', `Bearer ${key}`);
    return res;
  }
  const openWork = async () => {
    const res = await api(demo.worker.apiKey, '/api/me/tasks');
    expect(res.status).toBe(200);
    const count = (id: string) => res.body.data.find((t: { id: string }) => t.id === id)?.open_work_count;
    return [count(demo.taskIds[0]), count(demo.taskIds[1])];
  };
  const workerWalletCents = async () => {
    const res = await api(demo.worker.apiKey, '/api/wallets');
    expect(res.status).toBe(200);
    return res.body.data.find((w: { guild_id: string }) => w.guild_id === demo.guildId)?.balance_cents ?? 0;
  };
  const datum = async (id: string) => (await api(demo.requester.apiKey, `/api/data/${id}`)).body;

  /** A page that records console errors (CSP violations show up there) and failed requests. */
  async function watchedPage(ctx: BrowserContext): Promise<Page> {
    const page = await ctx.newPage();
    page.on('console', (m) => {
      // a failed load is reported below with its URL
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    return page;
  }

  async function shoot(page: Page, name: string) {
    const path = screenshotPath(name);
    if (path) await page.screenshot({ path, fullPage: true });
  }

  async function imageLoaded(page: Page): Promise<boolean> {
    return page.locator('figure.datum img').evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0);
  }

  it('signs in at /work, claims, labels in the sample workspace, submits the form and lands on the after-submit page', async () => {
    expect(await openWork()).toEqual([3, 0]);
    const ctx = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await watchedPage(ctx);

    await page.goto(`${publicUrl}/work`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel('API key').fill(demo.worker.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('cell', { name: 'Label the image', exact: true }).waitFor();
    expect(await page.locator(`[data-open-work="${demo.taskIds[0]}"]`).textContent()).toBe('3');
    expect(await page.locator(`[data-open-work="${demo.taskIds[1]}"]`).textContent()).toBe('0');
    expect(await page.locator(`[data-wallet="${demo.guildId}"]`).textContent()).toBe('$0.00');
    expect(await page.getByRole('button', { name: 'Claim the next piece of work at Check the label' }).isDisabled()).toBe(true);
    // the key lives in this tab's sessionStorage only: no cookie, and the field was cleared
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('openguilds.apiKey'),
      ),
    ).toBe(demo.worker.apiKey);
    expect(await ctx.cookies()).toEqual([]);
    expect(await page.getByLabel('API key').inputValue()).toBe('');
    await shoot(page, 'work');

    // claim → the workspace of the new assignment
    await page.getByRole('button', { name: 'Claim the next piece of work at Label the image' }).click();
    await page.waitForURL(/\/workspaces\/demo\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('workerId')).toBe(demo.memberId);
    const assignmentId = url.searchParams.get('assignmentId')!;
    expect(url.searchParams.get('submitTo')).toMatch(new RegExp(`^${publicUrl}/api/assignments/${assignmentId}/submit\\?token=`));
    await page.getByRole('heading', { name: 'Label this image' }).waitFor();
    expect(await page.getByRole('img', { name: `The image to label (datum ${demo.datumIds[0]})` }).count()).toBe(1);
    expect(await imageLoaded(page)).toBe(true);
    expect(await page.textContent('main')).toContain('Label the image');
    await shoot(page, 'workspace');

    // type a label with the keyboard and submit the real form
    await page.getByLabel('Label').fill('');
    await page.getByLabel('Label').pressSequentially('circle');
    await page.getByLabel('Label').press('Enter');
    await page.waitForURL(/\/work\/after-submit\?/);
    const main = await page.textContent('main');
    expect(main).toContain('Thank you: your work was submitted');
    expect(main).toContain('label: circle');
    expect(main).toContain('$0.50 was added to your wallet');
    expect(main).toContain('2 more pieces of work are open at Label the image');
    await page.getByRole('button', { name: 'Claim the next piece of work' }).waitFor();
    await shoot(page, 'after-submit');

    // over the API: the datum carries the label and waits at task 2; the worker was paid
    const d = await datum(demo.datumIds[0]);
    expect(d.parameters).toEqual(expect.objectContaining({ label: 'circle', image_url: `${publicUrl}/workspaces/demo/images/1.svg` }));
    expect(await openWork()).toEqual([2, 1]);
    expect(await workerWalletCents()).toBe(50);

    // "claim next" from the after-submit page opens the next datum's workspace
    await page.getByRole('button', { name: 'Claim the next piece of work' }).click();
    await page.waitForURL(/\/workspaces\/demo\?/);
    const next = new URL(page.url()).searchParams.get('assignmentId');
    expect(next).not.toBe(assignmentId);
    expect(await page.getByRole('img', { name: `The image to label (datum ${demo.datumIds[1]})` }).count()).toBe(1);
    // …once: going back and claiming again from the same page is refused
    await page.goBack();
    await page.waitForURL(/\/work\/after-submit\?/);
    await page.reload();
    expect(await page.textContent('main')).toContain('You have claimed work at Label the image since this one');

    // back on /work (same tab: still signed in) the counts are fresh
    await page.goto(`${publicUrl}/work`);
    await page.getByRole('cell', { name: 'Label the image', exact: true }).waitFor();
    expect(await page.locator(`[data-wallet="${demo.guildId}"]`).textContent()).toBe('$0.50');
    expect(await page.locator(`[data-open-work="${demo.taskIds[1]}"]`).textContent()).toBe('1');

    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('with JavaScript turned off, the workspace shows the datum and the plain form submit and claim-next work', async () => {
    // claim the checking task's work over the API, as the worker's own client would
    const claim = await api(demo.worker.apiKey, `/api/tasks/${demo.taskIds[1]}/claims`, 'POST');
    expect(claim.status).toBe(201);
    expect(claim.body.workspace_url).toMatch(new RegExp(`^${publicUrl}/workspaces/demo\\?`));
    const before = await workerWalletCents();

    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await watchedPage(ctx);
    await page.goto(claim.body.workspace_url);
    await page.getByRole('heading', { name: 'Label this image' }).waitFor();
    expect(await imageLoaded(page)).toBe(true);
    // the checker sees the earlier label, prefilled
    expect(await page.textContent('dl.params')).toContain('circle');
    expect(await page.getByLabel('Label').inputValue()).toBe('circle');
    await page.getByLabel('Label').fill('red circle');
    await page.getByRole('button', { name: 'Submit label' }).click();
    await page.waitForURL(/\/work\/after-submit\?/);
    const main = await page.textContent('main');
    expect(main).toContain('Thank you: your work was submitted');
    expect(main).toContain('label: red circle');
    expect(main).toContain('There is no more open work at Check the label right now.');
    expect(await page.getByRole('button', { name: 'Claim the next piece of work' }).count()).toBe(0);

    expect((await datum(claim.body.datum.id)).parameters.label).toBe('red circle');
    expect((await datum(claim.body.datum.id)).status).toBe('completed');
    expect(await workerWalletCents()).toBe(before + 20);

    // without script, claim-next works too: the worker still holds datum 2 (claimed in the first
    // test) so datum 3 comes next; giving datum 2 back leaves it open for the after-submit page
    const labelClaim = await api(demo.worker.apiKey, `/api/tasks/${demo.taskIds[0]}/claims`, 'POST');
    expect(labelClaim.status).toBe(201);
    expect(labelClaim.body.datum.id).toBe(demo.datumIds[2]);
    const held = await api(demo.worker.apiKey, '/api/assignments?status=claimed');
    const datum2 = held.body.data.find((a: { datum: { id: string } }) => a.datum.id === demo.datumIds[1]);
    expect((await api(demo.worker.apiKey, `/api/assignments/${datum2.id}/release`, 'POST')).status).toBe(200);
    await page.goto(labelClaim.body.workspace_url);
    await page.getByLabel('Label').fill('triangle');
    await page.getByRole('button', { name: 'Submit label' }).click();
    await page.waitForURL(/\/work\/after-submit\?/);
    expect(await page.textContent('main')).toContain('One more piece of work is open at Label the image.');
    await page.getByRole('button', { name: 'Claim the next piece of work' }).click();
    await page.waitForURL(/\/workspaces\/demo\?/);
    expect(await page.getByRole('img', { name: `The image to label (datum ${demo.datumIds[1]})` }).count()).toBe(1);
    await page.getByLabel('Label').fill('square');
    await page.getByRole('button', { name: 'Submit label' }).click();
    await page.waitForURL(/\/work\/after-submit\?/);
    expect(await page.textContent('main')).toContain('There is no more open work at Label the image right now.');
    expect(await openWork()).toEqual([0, 2]);

    // the same workspace link again: already submitted, nothing to post
    await page.goto(labelClaim.body.workspace_url);
    expect(await page.textContent('h1')).toBe('Already submitted');
    expect(await page.locator('form').count()).toBe(0);

    expect(problems).toEqual(['410 /workspaces/demo']);
    await ctx.close();
  });
});
