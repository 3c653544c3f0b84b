/**
 * The README walk-through through the SDK, compiled with `tsc --strict` (no casts, no `any`, no
 * non-null assertions: test/sdk.e2e-spec.ts checks the source) and run against a real server:
 * register → guild → tasks → connection → invite → batch → pay → claim → submit → wallet →
 * webhook deliveries. OG_BASE_URL is the server, OG_WEBHOOK_URL a receiver for the batch's
 * webhook. The last line of stdout is a JSON summary the e2e test asserts on.
 */
import assert from 'node:assert/strict';
import { createClient, type OpenGuildsClient, type Schemas } from '../src/index.js';

const baseUrl = env('OG_BASE_URL');
const webhookUrl = env('OG_WEBHOOK_URL');

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/** The data of a successful call, or a thrown error naming the call, its status and the API's error. */
function need<T>(r: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (r.data === undefined) throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  return r.data;
}

function first<T>(items: T[], what: string): T {
  const item = items[0];
  if (item === undefined) throw new Error(`${what}: empty`);
  return item;
}

async function register(api: OpenGuildsClient, email: string): Promise<Schemas['User']> {
  const password = 'correct horse battery';
  return need(await api.POST('/api/register', { body: { email, password, password_confirmation: password } }), 'register');
}

async function main(): Promise<void> {
  const anonymous = createClient({ baseUrl });
  const ownerUser = await register(anonymous, 'owner@example.com');
  const workerUser = await register(anonymous, 'worker@example.com');
  if (!ownerUser.api_key || !workerUser.api_key) throw new Error('register gave no api_key');
  const owner = createClient({ baseUrl, apiKey: ownerUser.api_key });
  const worker = createClient({ baseUrl, apiKey: workerUser.api_key });
  assert.equal(need(await owner.GET('/api/me'), 'me').email, 'owner@example.com');

  // a workspace, a guild whose data carry an audio_url, two tasks: Transcribe → Review
  const workspace = need(await owner.POST('/api/workspaces', { body: { name: 'Transcription UI', preview: 'https://preview.interface.com', permissions: 'open' } }), 'workspace');
  const guild = need(await owner.POST('/api/guilds', { body: { name: 'Audio Transcription', description: 'audio in, text out', input_parameters: ['audio_url'] } }), 'guild');
  const gid = { path: { gid: guild.id } };
  const transcribe = need(await owner.POST('/api/guilds/{gid}/tasks', { params: gid, body: { name: 'Transcribe', minimum_amount_cents: 500, workspace_id: workspace.id } }), 'task 1');
  const review = need(await owner.POST('/api/guilds/{gid}/tasks', { params: gid, body: { name: 'Review', minimum_amount_cents: 100, workspace_id: workspace.id } }), 'task 2');
  const connection = need(await owner.POST('/api/guilds/{gid}/connections', { params: gid, body: { source: transcribe.id, target: review.id } }), 'connection');
  assert.equal(connection.target, review.id);
  assert.equal(need(await owner.GET('/api/guilds/{id}', { params: { path: { id: guild.id } } }), 'guild').price_per_datum_cents, 600);

  // the worker joins and subscribes to both tasks
  const invite = need(await owner.POST('/api/guilds/{gid}/invites', { params: gid, body: { email: 'worker@example.com' } }), 'invite');
  const member = need(await worker.POST('/api/invites/{id}/accept', { params: { path: { id: invite.id } } }), 'accept');
  assert.equal(member.credit_cents, 0);
  for (const task of [transcribe, review]) need(await worker.POST('/api/tasks/{id}/subscriptions', { params: { path: { id: task.id } } }), 'subscribe');

  // a card, a batch with a webhook, and the payment (safe to retry with the same key)
  const card = need(await owner.POST('/api/payment_methods', { body: { source: 'tok_visa' } }), 'card');
  assert.equal(card.last4, '4242');
  const created = need(
    await owner.POST('/api/guilds/{gid}/batches', {
      params: gid,
      body: {
        batch: {
          data: [{ audio_url: 'https://example.com/a.mp3' }, { audio_url: 'https://example.com/b.mp3' }],
          webhooks: [{ destination: webhookUrl, secret: 'secret123' }],
        },
      },
    }),
    'batch',
  );
  assert.equal(created.status, 'unpaid');
  const batch = { path: { id: created.id } };
  const pay = { params: { ...batch, header: { 'Idempotency-Key': `pay-batch-${created.id}` } } };
  const debit = need(await owner.POST('/api/batches/{id}/debits', pay), 'pay');
  assert.deepEqual(need(await owner.POST('/api/batches/{id}/debits', pay), 'pay again'), debit);
  assert.equal(debit.amount_cents, 1200);

  // the worker claims work at each task and submits; the datum moves Transcribe → Review
  let submitted = 0;
  for (const task of [transcribe, transcribe, review, review]) {
    const claim = await worker.POST('/api/tasks/{id}/claims', { params: { path: { id: task.id } } });
    const assignment = need(claim, 'claim');
    assert.equal(claim.response.status, 201);
    const done = need(await worker.POST('/api/assignments/{id}/submit', { params: { path: { id: assignment.id } }, body: { parameters: { checked_by: 'worker' } } }), 'submit');
    // the route answers a browser form with HTML; a JSON call gets the Assignment
    if (typeof done === 'string') throw new Error('submit answered with HTML to a JSON call');
    if (done.status === 'submitted') submitted++;
  }
  const nothing = await worker.POST('/api/tasks/{id}/claims', { params: { path: { id: transcribe.id } } });
  assert.equal(nothing.response.status, 204);

  // the batch is completed, its data carry what the workers added, and the worker was paid
  const completed = need(await owner.GET('/api/batches/{id}', { params: batch }), 'batch');
  assert.equal(completed.status, 'completed');
  for (const datum of completed.data) assert.equal(datum.parameters['checked_by'], 'worker');
  const wallet = first(need(await worker.GET('/api/wallets'), 'wallets').data, 'wallets');
  const transactions = need(await worker.GET('/api/wallets/{id}/transactions', { params: { path: { id: wallet.id } } }), 'transactions').data;

  // the webhook's delivery log: wait (bounded) for the dispatcher's first attempt
  const webhook = first(completed.webhooks, 'webhooks');
  let attempts: Schemas['WebhookAttempt'][] = [];
  for (let i = 0; i < 600 && attempts.length === 0; i++) {
    attempts = need(await owner.GET('/api/webhooks/{id}/deliveries', { params: { path: { id: webhook.id } } }), 'deliveries').data;
    if (attempts.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const attempt = first(attempts, 'delivery attempts');

  // an error is typed too: the API's error object
  const missing = await owner.GET('/api/batches/{id}', { params: { path: { id: '999999' } } });
  assert.equal(missing.error?.type, 'RecordNotFound');

  console.log(
    JSON.stringify({
      batch_id: completed.id,
      batch_status: completed.status,
      progress: completed.progress,
      submitted,
      worker_balance_cents: wallet.balance_cents,
      transactions: transactions.map((t) => ({ type: t.type, amount_cents: t.amount_cents })),
      delivery: { succeeded: attempt.succeeded, status_code: attempt.status_code },
      not_found: missing.response.status,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
