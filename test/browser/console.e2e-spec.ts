import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { registerUser, TestUser, uniqueEmail } from '../support/fixtures';
import { startTestServer, TestServer } from '../support/server';
import { eventually } from '../support/webhook-receiver';
import { describeInBrowser, launchChromium, screenshotPath } from './chromium';

/**
 * The requester's console and the invite page in headless Chromium against the real server (real
 * Postgres, the Stripe mock, the real SSE stream). The requester signs in with an API key, creates
 * a guild and a task with a quality object on the page, invites two workers (one accepts after
 * signing in, one after signing up, each on the invite page the mailed link opens), adds a card,
 * pays a batch made through the API, watches the progress bar reach 100 % while the workers submit
 * through the API, downloads the CSV, approves a payout and sees the wallet the API reports.
 * Every page's console errors and failed requests are collected and must be none (or the one the
 * test provokes). WRITE_SCREENSHOTS=1 writes docs/screenshots/console-*.png and invite.png.
 */
describeInBrowser('requester console and invite page in a real browser', () => {
  let s: TestServer;
  let browser: Browser;
  let publicUrl: string;
  let requester: TestUser;
  const problems: string[] = [];
  const PASSWORD = 'correct horse battery';

  beforeAll(async () => {
    s = await startTestServer();
    publicUrl = s.config.publicUrl;
    browser = await launchChromium();
    requester = await registerUser(s.http, uniqueEmail('requester'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const as = (user: TestUser | string) => `Bearer ${typeof user === 'string' ? user : user.key}`;
  async function api(user: TestUser | string, method: 'get' | 'post' | 'patch', path: string, body?: unknown) {
    const req = s.http[method](path).set('Authorization', as(user));
    return body === undefined ? req : req.send(body as object);
  }

  /** A page that records console errors (CSP violations show up there), page errors and failed requests. */
  async function watchedPage(ctx: BrowserContext): Promise<Page> {
    const page = await ctx.newPage();
    page.on('console', (m) => {
      // a failed load is reported below with its status and path
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // leaving a batch's page closes its progress stream on purpose
      if (/\/api\/batches\/\d+\/events$/.test(new URL(r.url()).pathname) && r.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    return page;
  }

  async function shoot(page: Page, name: string) {
    const path = screenshotPath(name);
    if (path) await page.screenshot({ path, fullPage: true });
  }

  /** Every visible form control has a label (its own <label>, aria-label or aria-labelledby). */
  async function unlabelled(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const doc = (globalThis as unknown as { document: any }).document;
      return Array.from(doc.querySelectorAll('input, select, textarea') as ArrayLike<any>)
        .filter((c) => c.type !== 'hidden' && !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby'))
        .map((c) => c.id || c.outerHTML);
    });
  }

  const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

  /** The accept link the invite job mailed (logged: no SMTP_URL in tests). */
  async function mailedLink(inviteId: string): Promise<string> {
    let link = '';
    await eventually(async () => {
      const line = s.logs.lines.find((l) => l.includes('invite_link') && l.includes(`/api/invites/${inviteId}/accept?token=`));
      if (line) link = JSON.parse(line).invite_link;
      return !!line;
    }, 30_000);
    return link;
  }

  it('serves both pages with a strict CSP and nothing inline; the mailed link, opened in a browser, goes to the invite page', async () => {
    for (const path of ['/console', '/invites/1']) {
      const res = await s.http.get(path).set('Accept', 'text/html');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      const csp = res.headers['content-security-policy'];
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).not.toMatch(/<script>|<style|style=| on[a-z]+=/i);
      for (const src of res.text.match(/(?<=src=")[^"]+|(?<=href=")\/[^"]+\.css/g) ?? []) {
        const asset = await s.http.get(src);
        expect([src, asset.status]).toEqual([src, 200]);
        expect(asset.headers['x-content-type-options']).toBe('nosniff');
      }
    }
    expect((await s.http.get('/console/assets/nope.js')).status).toBe(404);
    expect((await s.http.get('/invites/abc')).status).toBe(404);
    // what Chromium sends when it follows a link
    const link = await s.http.get('/api/invites/42/accept?token=inv_x%2By').set('Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    expect(link.status).toBe(303);
    expect(link.headers.location).toBe('/invites/42?token=inv_x%2By');
    // curl's GET of the link (no -X POST) is still the JSON 405 naming POST
    const curl = await s.http.get('/api/invites/42/accept?token=inv_x').set('Accept', '*/*');
    expect([curl.status, curl.headers.allow, curl.body.type]).toEqual([405, 'POST', 'MethodNotAllowed']);
    // API clients keep POSTing the same link
    expect((await s.http.post('/api/invites/42/accept?token=inv_x').set('Authorization', as(requester))).status).toBe(404);
  });

  it('a requester runs a batch from the console; workers join through the invite page', async () => {
    problems.length = 0;
    const workspace = await api(requester, 'post', '/api/workspaces', { name: 'Label images', preview: `${publicUrl}/workspaces/demo`, permissions: 'open' });
    expect(workspace.status).toBe(201);

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await watchedPage(ctx);

    // ---- sign in with the keyboard; the key lives in sessionStorage only
    await page.goto(`${publicUrl}/console`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await unlabelled(page)).toEqual([]);
    await shoot(page, 'console-signin');
    await page.getByLabel('API key').fill(requester.key);
    await page.getByLabel('API key').press('Enter');
    await page.getByRole('heading', { name: 'Your guilds', level: 1 }).waitFor();
    expect(await text(page, '#who')).toBe(requester.email);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('openguilds.apiKey'))).toBe(requester.key);
    expect(await ctx.cookies()).toEqual([]);
    // the heading of the new view has the focus
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe('guilds-h');

    // ---- a guild
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Pets');
    await page.getByLabel('Description').fill('Says which animal a photo shows');
    await page.getByLabel('Input parameters').fill('image_url');
    await page.getByRole('button', { name: 'Create guild' }).click();
    await page.getByRole('heading', { name: 'Pets', level: 1 }).waitFor();
    const guilds = (await api(requester, 'get', '/api/guilds')).body.data;
    expect(guilds).toHaveLength(1);
    expect(guilds[0]).toMatchObject({ name: 'Pets', input_parameters: ['image_url'] });
    const guildId: string = guilds[0].id;

    // ---- a task with a quality object; a wrong setting first: the API's 422 names the field
    await page.getByRole('link', { name: 'New task' }).click();
    await page.getByRole('heading', { name: 'New task', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Which animal');
    await page.getByLabel('Reward per datum, in cents').fill('25');
    expect(await page.getByLabel('Workspace').inputValue()).toBe(workspace.body.id);
    await page.getByLabel('Use quality settings for this task').check();
    await page.getByLabel('Answer parameter').fill('label');
    await page.getByLabel('Labels').fill('cat\ndog\nother');
    await page.getByLabel('Overlap: minimum answers').fill('3');
    await page.getByLabel('Overlap: maximum answers').fill('2');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.locator('#error:not([hidden])').waitFor();
    expect(await text(page, '#error-details')).toContain('quality.overlap.min must not exceed overlap.max (2)');
    expect(await page.getByLabel('Overlap: minimum answers').getAttribute('aria-invalid')).toBe('true');
    expect((await api(requester, 'get', `/api/guilds/${guildId}/tasks`)).body.data).toHaveLength(0);
    await page.getByLabel('Overlap: minimum answers').fill('2');
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.getByRole('heading', { name: 'Task: Which animal', level: 1 }).waitFor();
    const tasks = (await api(requester, 'get', `/api/guilds/${guildId}/tasks`)).body.data;
    expect(tasks).toHaveLength(1);
    const taskId: string = tasks[0].id;
    expect(tasks[0]).toMatchObject({ name: 'Which animal', minimum_amount_cents: 25 });
    expect(tasks[0].quality).toMatchObject({
      answer: 'label',
      labels: ['cat', 'dog', 'other'],
      overlap: { min: 2, max: 2, confidence: 0.95 },
      review: { mode: 'auto' },
    });

    // ---- edit: the form shows what is stored; saving replaces the quality object
    expect(await page.getByLabel('Overlap: maximum answers').inputValue()).toBe('2');
    expect(await page.getByLabel('Aggregation').inputValue()).toBe('dawid_skene');
    await page.getByLabel('Confidence to stop at').fill('0.9');
    await page.getByLabel('Control answer (gold) rate').fill('0');
    await page.getByRole('button', { name: 'Save task' }).click();
    await page.locator('#status', { hasText: 'Task “Which animal” saved.' }).waitFor();
    expect((await api(requester, 'get', `/api/tasks/${taskId}`)).body.quality.overlap).toEqual({ min: 2, max: 2, confidence: 0.9 });
    expect(await page.getByRole('heading', { name: 'Control answers (gold)' }).count()).toBe(1);
    expect(await unlabelled(page)).toEqual([]);
    await shoot(page, 'console-task');

    // ---- invite two workers from the guild page; the mailed links open the invite page
    await page.getByRole('link', { name: 'Pets' }).click();
    await page.getByRole('heading', { name: 'Pets', level: 1 }).waitFor();
    const known = await registerUser(s.http, uniqueEmail('known-worker'));
    const newcomerEmail = uniqueEmail('new-worker');
    for (const email of [known.email, newcomerEmail]) {
      await page.getByRole('textbox', { name: 'Email' }).fill(email);
      await page.getByRole('button', { name: 'Send invite' }).click();
      await page.locator('#status', { hasText: `Invitation to ${email} is on its way.` }).waitFor();
    }
    const invites = (await api(requester, 'get', `/api/guilds/${guildId}/invites`)).body.data;
    const inviteOf = (email: string) => invites.find((i: { email: string }) => i.email === email).id as string;

    // the known worker signs in with email and password, in their own browser
    const knownCtx = await browser.newContext();
    const knownPage = await watchedPage(knownCtx);
    await knownPage.goto(await mailedLink(inviteOf(known.email)));
    await knownPage.waitForURL(new RegExp(`/invites/${inviteOf(known.email)}\\?token=`));
    await knownPage.getByRole('heading', { name: 'You are invited to a guild' }).waitFor();
    expect(await unlabelled(knownPage)).toEqual([]);
    await shoot(knownPage, 'invite');
    await knownPage.getByLabel('Email', { exact: true }).first().fill(known.email);
    await knownPage.getByLabel('Password', { exact: true }).first().fill(PASSWORD);
    await knownPage.getByRole('button', { name: 'Sign in and accept' }).click();
    await knownPage.getByRole('heading', { name: 'Welcome' }).waitFor();
    expect(await text(knownPage, '#invite-done-text')).toContain('You are now a member of this guild');
    // once signed in as the invited email, the page could name the guild (GET /api/me/invites)
    expect(await text(knownPage, 'h1')).toBe('You are invited to Pets');
    await shoot(knownPage, 'invite-accepted');
    // the page accepted through the API: the worker is a member, the invite is accepted
    expect((await api(known, 'get', '/api/guilds?role=member')).body.data.map((g: { id: string }) => g.id)).toEqual([guildId]);

    // the newcomer signs up on the page (the invite was sent before the account existed)
    const newCtx = await browser.newContext();
    const newPage = await watchedPage(newCtx);
    await newPage.goto(await mailedLink(inviteOf(newcomerEmail)));
    await newPage.getByRole('heading', { name: 'You are invited to a guild' }).waitFor();
    await newPage.locator('#signup-email').fill(newcomerEmail);
    await newPage.locator('#signup-password').fill(PASSWORD);
    await newPage.locator('#signup-confirm').fill(PASSWORD);
    await newPage.getByRole('button', { name: 'Create account and accept' }).click();
    await newPage.getByRole('heading', { name: 'Welcome' }).waitFor();
    const newcomerKey = await text(newPage, '#new-key-value');
    expect(newcomerKey).toMatch(/^og_/);
    expect((await api(newcomerKey, 'get', '/api/me')).body.email).toBe(newcomerEmail);
    expect((await api(newcomerKey, 'get', '/api/guilds?role=member')).body.data.map((g: { id: string }) => g.id)).toEqual([guildId]);
    // the same link again: already accepted, said in words
    await newPage.goto(await mailedLink(inviteOf(newcomerEmail)));
    await newPage.getByRole('button', { name: 'Accept the invitation' }).click();
    await newPage.locator('#error-text', { hasText: 'already accepted' }).waitFor();
    const workers = [known.key, newcomerKey];

    // ---- a card on the money page (the wallet is empty: paying charges it)
    await page.getByRole('link', { name: 'Money' }).click();
    await page.getByRole('heading', { name: 'Money', level: 1 }).waitFor();
    await page.getByLabel('Card token').fill('tok_visa');
    await page.getByRole('button', { name: 'Add card' }).click();
    await page.locator('#cards', { hasText: 'ending in 4242' }).waitFor();
    expect((await api(requester, 'get', '/api/payment_methods')).body.data).toHaveLength(1);

    // ---- a batch made through the API, paid on its page
    const images = [1, 2, 3].map((i) => `${publicUrl}/workspaces/demo/images/${i}.svg`);
    const batch = await api(requester, 'post', `/api/guilds/${guildId}/batches`, { batch: { data: images.map((image_url) => ({ image_url })) } });
    expect(batch.status).toBe(201);
    const batchId: string = batch.body.id;
    await page.goto(`${publicUrl}/console#/batches/${batchId}`);
    await page.getByRole('heading', { name: `Batch ${batchId}`, level: 1 }).waitFor();
    expect(await text(page, '#batch-status')).toBe('unpaid');
    await page.getByRole('button', { name: `Pay ${batch.body.cost}` }).click();
    await page.locator('#batch-status[data-status="processing"]').waitFor();
    await page.locator('#batch-progress-text', { hasText: '0 of 3 data completed (0.0 %)' }).waitFor();
    expect((await api(requester, 'get', `/api/batches/${batchId}`)).body.status).toBe('processing');

    // ---- workers subscribe and submit through the API; the bar follows the stream, without a reload
    for (const w of workers) expect((await api(w, 'post', `/api/tasks/${taskId}/subscriptions`)).status).toBe(201);
    const seen: number[] = [];
    for (let round = 0; round < 20; round++) {
      let claimed = 0;
      for (const w of workers) {
        const claim = await api(w, 'post', `/api/tasks/${taskId}/claims`);
        if (claim.status === 204) continue;
        expect(claim.status).toBe(201);
        claimed++;
        expect((await api(w, 'post', `/api/assignments/${claim.body.id}/submit`, { parameters: { label: 'cat' } })).status).toBe(200);
        const now = (await api(requester, 'get', `/api/batches/${batchId}`)).body;
        // the page shows what the API shows, pushed by the stream
        await page.locator('#batch-progress-text', { hasText: `${now.data_completed_count} of 3 data completed` }).waitFor();
        seen.push(now.data_completed_count);
      }
      if (claimed === 0) break;
    }
    expect(seen[seen.length - 1]).toBe(3);
    expect(new Set(seen).size).toBeGreaterThanOrEqual(3); // it moved step by step, live
    await page.locator('#batch-status[data-status="completed"]').waitFor();
    expect(await page.locator('#batch-progress').evaluate((p: any) => p.value)).toBe(100);
    expect(await text(page, '#batch-progress-text')).toBe('3 of 3 data completed (100.0 %)');
    await page.locator('#results tr').nth(2).waitFor();
    expect(await page.locator('#results tr').count()).toBe(3);
    // the filter narrows the table to one datum
    await page.getByLabel('Contains').fill('images/2.svg');
    expect(await page.locator('#results tr').count()).toBe(1);
    expect(await text(page, '#results-count')).toBe('Showing 1 of 3 loaded results.');
    await page.getByLabel('Contains').fill('');
    await shoot(page, 'console-batch');

    // ---- the CSV download holds what the export route sends
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSV', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(`batch-${batchId}-results.csv`);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const fromApi = await s.http.get(`/api/batches/${batchId}/results?format=csv`).set('Authorization', as(requester));
    expect(csv).toBe(fromApi.text);
    const rows: Array<Record<string, string>> = parse(csv, { columns: true });
    const header = csv.split('\n')[0].split(',');
    expect(header[0]).toBe('image_url');
    expect(header.slice(-4)).toEqual(['task_id', 'answer', 'confidence', 'answers_count']);
    expect(rows.map((r) => r.image_url).sort()).toEqual([...images].sort());
    for (const r of rows) {
      expect(r.task_id).toBe(taskId);
      expect(['', 'cat']).toContain(r.answer); // the aggregate, once the quality integration combines answers
    }
    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'JSON Lines' }).click()]);
    const lines = fs
      .readFileSync((await jsonl.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).object)).toEqual(['Result', 'Result', 'Result']);

    // ---- a second batch made on the guild page, paid, then canceled: its escrow comes back to the wallet
    await page.getByRole('link', { name: 'Pets' }).click();
    await page.getByRole('heading', { name: 'Pets', level: 1 }).waitFor();
    await page.getByLabel('Data').fill(`{"image_url": "${images[0]}"}\n{"image_url": "${images[1]}"}`);
    await page.getByRole('button', { name: 'Create batch' }).click();
    await page.locator('#status', { hasText: 'created: 2 data, ' }).waitFor();
    const secondId: string = (await api(requester, 'get', '/api/batches')).body.data[0].id; // newest first
    await page.getByRole('heading', { name: `Batch ${secondId}`, level: 1 }).waitFor();
    const secondBatch = (await api(requester, 'get', `/api/batches/${secondId}`)).body;
    expect(secondBatch).toMatchObject({ status: 'unpaid', data_count: 2 });
    expect(secondBatch.data.map((d: any) => d.parameters.image_url)).toEqual(images.slice(0, 2));
    // with the keyboard: focus and Enter
    await page.getByRole('button', { name: `Pay ${secondBatch.cost}` }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#batch-status[data-status="processing"]').waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Cancel this batch' }).click();
    await page.locator('#batch-status[data-status="canceled"]').waitFor();
    expect((await api(requester, 'get', `/api/batches/${secondId}`)).body.status).toBe('canceled');
    expect(await page.getByRole('button', { name: 'Cancel this batch' }).count()).toBe(0);

    // ---- a worker asks for a payout; the requester approves it on the money page
    const wallets = (await api(known, 'get', '/api/wallets')).body.data;
    const workerWallet = wallets.find((w: { guild_id: string }) => w.guild_id === guildId);
    expect(workerWallet.balance_cents).toBeGreaterThan(0);
    const payout = await api(known, 'post', `/api/wallets/${workerWallet.id}/payouts`, { amount_cents: 25 });
    expect(payout.status).toBe(201);
    await page.getByRole('link', { name: 'Money' }).click();
    await page.getByRole('heading', { name: 'Money', level: 1 }).waitFor();
    await shoot(page, 'console-money');
    await page.getByRole('button', { name: `approve payout ${payout.body.id} of $0.25` }).focus();
    await page.keyboard.press('Space');
    await page.locator(`[data-payout="${payout.body.id}"]`, { hasText: 'approved' }).waitFor();
    expect((await api(known, 'get', `/api/wallets/${workerWallet.id}`)).body.balance_cents).toBe(workerWallet.balance_cents - 25);

    // ---- the wallet on the page is the wallet of the API
    const mine = (await api(requester, 'get', '/api/wallets')).body.data.find((w: { guild_id: string }) => w.guild_id === guildId);
    expect(mine.balance_cents).toBe(secondBatch.cost_cents); // the canceled batch's refund
    expect(await text(page, `[data-wallet="${guildId}"]`)).toBe(mine.balance);
    await page.getByRole('button', { name: 'Transactions of the wallet in Pets' }).click();
    await page.locator('#transactions tr').first().waitFor();
    const txs = (await api(requester, 'get', `/api/wallets/${mine.id}/transactions`)).body.data;
    expect(await page.locator('#transactions tr').count()).toBe(txs.length);
    expect(await text(page, '#transactions tr:first-child td:nth-child(3)')).toBe(txs[0].amount);

    // ---- the batches list with its filter, and the guild page with the batch
    await page.getByRole('link', { name: 'Batches' }).click();
    await page.getByRole('heading', { name: 'Batches', level: 1 }).waitFor();
    await page.getByLabel('Status').selectOption('completed');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator(`#batches [data-batch="${batchId}"]`).waitFor();
    await page.getByLabel('Status').selectOption('unpaid');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#no-batches:not([hidden])').waitFor();
    await page.getByRole('link', { name: 'Guilds' }).click();
    await page.getByRole('link', { name: 'Pets' }).click();
    await page.locator(`#guild-batches [data-batch="${batchId}"]`, { hasText: 'completed' }).waitFor();
    await page.locator(`#guild-batches [data-batch="${secondId}"]`, { hasText: 'canceled' }).waitFor();
    expect(await page.locator('#members tr').count()).toBe(2);
    await shoot(page, 'console-guild');

    // ---- signing out forgets the key
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Requester console' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('openguilds.apiKey'))).toBeNull();

    // the only failed requests are the two the test provoked (the overlap 422, the second accept's 409)
    expect(problems).toEqual([`422 POST /api/guilds/${guildId}/tasks`, `409 POST /api/invites/${inviteOf(newcomerEmail)}/accept`]);
    await Promise.all([ctx.close(), knownCtx.close(), newCtx.close()]);
  }, 180_000);
});
