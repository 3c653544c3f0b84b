import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import TestAgent from 'supertest/lib/agent';
import { ProcessServer, startProcessServer } from './support/process-server';
import { startLocalS3, LocalS3 } from './support/s3-server';
import { startStripeMock, StripeMock } from '../src/stripe-mock';
import { createTestDatabase, TestDatabase } from './support/server';
import { eventually, startReceiver, WebhookReceiver } from './support/webhook-receiver';

/**
 * API.md §10: several server processes on one PostgreSQL and one file store behave as one server.
 * Two real processes (`node dist/src/main.js`) run the README's flow, every step on the other
 * process than the one before: files uploaded on one are served by the other, an Idempotency-Key
 * replays across them, and the rate limit and the sign-in failure count are shared.
 */
const LIMIT = 30;
const PASSWORD = 'correct horse battery';

const binary = (req: ReturnType<TestAgent['get']>) =>
  req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

// many sequential requests against two processes: allow for a loaded machine
jest.setTimeout(300_000);

describe.each([
  ['an S3-compatible store (s3rver)', 's3'],
  ['a shared file: directory', 'file'],
])('two server processes on one database and %s', (_name, kind) => {
  let db: TestDatabase;
  let s3: LocalS3 | undefined;
  let shared: string | undefined;
  let a: ProcessServer;
  let b: ProcessServer;
  let receiver: WebhookReceiver;
  let stripe: StripeMock;
  /** the other process each call: p() alternates A, B, A, … */
  let turn = 0;
  const p = (): TestAgent => (turn++ % 2 === 0 ? a.http : b.http);

  beforeAll(async () => {
    db = await createTestDatabase();
    let env: Record<string, string>;
    if (kind === 's3') {
      s3 = await startLocalS3();
      env = s3.env('og/');
    } else {
      shared = fs.mkdtempSync(path.join(os.tmpdir(), 'og-shared-files-'));
      env = { FILE_STORAGE_URL: `file:${shared}` };
    }
    env.RATE_LIMIT_PER_MINUTE = String(LIMIT);
    // in test mode each process would start a Stripe mock of its own; like the real Stripe, one is shared
    stripe = await startStripeMock();
    env.STRIPE_API_URL = stripe.url;
    // each process has its own DATA_DIR (ProcessServer): only FILE_STORAGE_URL is shared
    // the first start compiles the app once per run (slow on a loaded machine): generous hook time
    [a, b] = await Promise.all([startProcessServer({ db, env, readyTimeoutMs: 300_000 }), startProcessServer({ db, env, readyTimeoutMs: 300_000 })]);
    receiver = await startReceiver();
  }, 600_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await receiver?.close();
    await s3?.close();
    await stripe?.close();
    if (shared) fs.rmSync(shared, { recursive: true, force: true });
  });

  it('runs the README flow alternating processes, files and Idempotency-Key included', async () => {
    const register = async (email: string) => {
      const res = await p().post('/api/register').send({ email, password: PASSWORD, password_confirmation: PASSWORD });
      expect(res.status).toBe(201);
      return `Bearer ${res.body.api_key as string}`;
    };
    const owner = await register(`owner-${kind}@example.com`);
    const worker = await register(`worker-${kind}@example.com`);
    expect((await p().get('/api/me').set('Authorization', owner)).body.email).toBe(`owner-${kind}@example.com`);

    const ws = await p()
      .post('/api/workspaces')
      .set('Authorization', owner)
      .send({ name: 'UI', preview: 'https://preview.interface.com', permissions: 'open' });
    expect(ws.status).toBe(201);
    const guild = await p()
      .post('/api/guilds')
      .set('Authorization', owner)
      .send({ name: 'Audio', description: 'audio in, text out', input_parameters: ['audio_url'] });
    expect(guild.status).toBe(201);
    const t1 = await p()
      .post(`/api/guilds/${guild.body.id}/tasks`)
      .set('Authorization', owner)
      .send({ name: 'Transcribe', minimum_amount_cents: 500, workspace_id: ws.body.id });
    const t2 = await p()
      .post(`/api/guilds/${guild.body.id}/tasks`)
      .set('Authorization', owner)
      .send({ name: 'Review', minimum_amount_cents: 100, workspace_id: ws.body.id });
    expect([t1.status, t2.status]).toEqual([201, 201]);
    expect(
      (await p().post(`/api/guilds/${guild.body.id}/connections`).set('Authorization', owner).send({ source: t1.body.id, target: t2.body.id })).status,
    ).toBe(201);

    const invite = await p()
      .post(`/api/guilds/${guild.body.id}/invites`)
      .set('Authorization', owner)
      .send({ email: `worker-${kind}@example.com` });
    expect(invite.status).toBe(201);
    expect((await p().get('/api/me/invites').set('Authorization', worker)).body.data.map((i: { id: string }) => i.id)).toContain(invite.body.id);
    expect((await p().post(`/api/invites/${invite.body.id}/accept`).set('Authorization', worker)).status).toBe(200);
    for (const t of [t1, t2]) expect((await p().post(`/api/tasks/${t.body.id}/subscriptions`).set('Authorization', worker)).status).toBe(201);

    expect((await p().post('/api/payment_methods').set('Authorization', owner).send({ source: 'tok_visa' })).status).toBe(201);
    const batch = await p()
      .post(`/api/guilds/${guild.body.id}/batches`)
      .set('Authorization', owner)
      .send({ batch: { data: [{ audio_url: 'https://example.com/a.mp3' }], webhooks: [{ destination: receiver.url, secret: 'secret123' }] } });
    expect(batch.status).toBe(201);

    // a file uploaded on one process is served by the other (the bytes live in the shared store)
    const bytes = Buffer.from(`RIFF…pretend audio for ${kind}`);
    const up = await p().post(`/api/batches/${batch.body.id}/files`).set('Authorization', owner).field('parameter', 'audio_url').attach('file', bytes, 'b.wav');
    expect(up.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const down = await binary(p().get(up.body.url).set('Authorization', owner));
      expect(down.status).toBe(200);
      expect(down.body).toEqual(bytes);
    }

    // pay on one process; the retry with the same Idempotency-Key on the other replays it
    const pay = await p().post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner).set('Idempotency-Key', `pay-${kind}`);
    expect(pay.status).toBe(201);
    expect(pay.body).toEqual(expect.objectContaining({ object: 'Transaction', type: 'Guild Debit', amount_cents: 1200 }));
    const replay = await p().post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner).set('Idempotency-Key', `pay-${kind}`);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(pay.body);

    // claim on one process, fetch the datum's file and submit on the other
    const claimed: string[] = [];
    for (const t of [t1, t1, t2, t2]) {
      const c = await p().post(`/api/tasks/${t.body.id}/claims`).set('Authorization', worker);
      expect(c.status).toBe(201);
      claimed.push(c.body.datum.id);
      if (c.body.datum.parameters.audio_url === up.body.url) {
        const token = new URL(c.body.submit_to).searchParams.get('token');
        const file = await binary(p().get(`${up.body.url}?token=${token}`));
        expect(file.status).toBe(200);
        expect(file.body).toEqual(bytes);
      }
      const sub = await p()
        .post(`/api/assignments/${c.body.id}/submit`)
        .set('Authorization', worker)
        .send({ parameters: { checked_by: 'worker' } });
      expect(sub.status).toBe(200);
    }
    expect(new Set(claimed).size).toBe(2);
    expect((await p().post(`/api/tasks/${t1.body.id}/claims`).set('Authorization', worker)).status).toBe(204);

    const done = await p().get(`/api/batches/${batch.body.id}`).set('Authorization', owner);
    expect(done.body).toEqual(expect.objectContaining({ status: 'completed', progress: 100 }));
    const wallets = await p().get('/api/wallets').set('Authorization', worker);
    expect(wallets.body.data.map((w: { balance_cents: number }) => w.balance_cents)).toEqual([1200]);
    await receiver.waitFor(1, 30_000);
    expect(JSON.parse(receiver.requests[0].body)).toEqual(expect.objectContaining({ object: 'Batch', id: batch.body.id, status: 'completed' }));
    const hooks = await p().get(`/api/batches/${batch.body.id}/webhooks`).set('Authorization', owner);
    const deliveries = await eventually(async () => {
      const d = await p().get(`/api/webhooks/${hooks.body.data[0].id}/deliveries`).set('Authorization', owner);
      return d.body.data?.[0]?.status_code === 200 ? d.body.data : undefined;
    });
    expect(deliveries).toHaveLength(1);
  });

  it('counts the rate limit of one API key across both processes', async () => {
    const reg = await p()
      .post('/api/register')
      .send({ email: `limited-${kind}@example.com`, password: PASSWORD, password_confirmation: PASSWORD });
    const auth = `Bearer ${reg.body.api_key as string}`;
    const statuses: number[] = [];
    // LIMIT requests, half on each process, all allowed; with counters per process each would
    // allow LIMIT on its own (2 × LIMIT in all)
    for (let i = 0; i < LIMIT; i++) statuses.push((await p().get('/api/me').set('Authorization', auth)).status);
    expect(statuses).toEqual(Array(LIMIT).fill(200));
    for (const server of [a, b]) {
      const over = await server.http.get('/api/me').set('Authorization', auth);
      expect(over.status).toBe(429);
      expect(over.body).toEqual(expect.objectContaining({ type: 'TooManyRequests', status: 429 }));
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it('counts failed sign-ins across both processes: the 11th attempt is a 429 wherever it lands', async () => {
    const email = `signin-${kind}@example.com`;
    expect((await p().post('/api/register').send({ email, password: PASSWORD, password_confirmation: PASSWORD })).status).toBe(201);
    for (let i = 0; i < 10; i++)
      expect(
        (
          await p()
            .post('/api/sessions')
            .send({ email, password: `wrong ${i}` })
        ).status,
      ).toBe(401);
    const blocked = await p().post('/api/sessions').send({ email, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
  });
});
