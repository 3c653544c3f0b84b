// Promise: every route of the API, discovered from the running app's router, answers each of {anonymous, stranger, worker of another guild, owner of another guild, member, owner} as expected, never leaks another tenant's data, and a refused request writes nothing.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { registerUser, TestUser, uniqueEmail } from '../support/fixtures';
import { addMember, connectTasks, createGuild, createTask, subscribe } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';
import { writeFigures } from './figures';
import { discoverRoutes } from './routes';
import { describeChange, watchWrites, WriteWatch } from '../support/write-watch';

/** the server's public URL (set once it runs), for the workspace links the rows build */
let PUBLIC_URL: () => string = () => '';

type Who = 'anon' | 'stranger' | 'outsider' | 'otherOwner' | 'member' | 'owner';
const WHO: Who[] = ['anon', 'stranger', 'outsider', 'otherOwner', 'member', 'owner'];
type Wire = Record<string, any>;

/** One tenant's world (guild A of `owner`, with `member` and `member2` working in it). Every string in it carries `tag`. */
interface World {
  tag: string;
  guild: string;
  tasks: string[]; // t0 → t1 connected; t2 free (member not subscribed)
  connection: string;
  closedWs: string;
  memberId: string;
  member2Id: string;
  invite: string;
  inviteEmail: string;
  paid: string; // a paid batch with work
  unpaid: string; // an unpaid batch with data, a file and a webhook
  unpaidDatum: string;
  paidDatum: string;
  webhook: string;
  webhookSecret: string;
  webhookDestination: string;
  file: { id: string; name: string };
  assignment: string; // the member's live assignment
  submission: string; // the Submission of the member's first piece of work
  assignmentToken: string;
  memberWallet: string;
  ownerWallet: string;
  payout: string; // requested by the member
  ownerKeyId: string; // a second API key of the owner
  ownerKeySecret: string;
  gold: string; // a gold item of tasks[2] (which has quality.labels)
}

interface Row {
  /** 'METHOD /path' exactly as the router has it */
  route: string;
  /** told apart in the test's name when a route has more than one row */
  note?: string;
  /** `t`: the assignment token this caller holds for the worker pages (another tenant's valid one for the workers of tenant B) */
  path: (w: World, t: string) => string;
  body?: (w: World, t: string) => object;
  /** multipart upload instead of JSON */
  upload?: boolean;
  /** a never-ending response (text/event-stream): read the first chunk, then hang up */
  stream?: true;
  /** an alias of src/compat/aliases.ts: rewritten before routing, so it is checked here but is not a route */
  alias?: true;
  expect: Record<Who, number>;
}

/** The owner of another tenant's guild gets what the stranger gets unless told otherwise. */
const E = (anon: number, stranger: number, outsider: number, member: number, owner: number, otherOwner = stranger): Record<Who, number> => ({
  anon,
  stranger,
  outsider,
  otherOwner,
  member,
  owner,
});
const OWNER_ONLY = E(401, 404, 404, 404, 200);
const EVERYONE = E(200, 200, 200, 200, 200);
const SIGNED_IN = E(401, 200, 200, 200, 200);

/**
 * The expectation for every route. Callers act in the order anon → stranger → outsider → member →
 * owner on one world per row, so a write expected to fail for the first four finds the record
 * untouched for the owner.
 */
const ROWS: Row[] = [
  { route: 'GET /health', path: () => '/health', expect: EVERYONE },
  { route: 'GET /ready', path: () => '/ready', expect: EVERYONE },
  { route: 'GET /api/openapi.json', path: () => '/api/openapi.json', expect: EVERYONE },
  { route: 'GET /api/openapi.yaml', path: () => '/api/openapi.yaml', expect: EVERYONE },
  // the worker's HTML pages: the same static pages for everyone; what is private needs an assignment token
  { route: 'GET /favicon.ico', path: () => '/favicon.ico', expect: EVERYONE },
  { route: 'GET /work', path: () => '/work', expect: EVERYONE },
  { route: 'GET /work/assets/work.js', path: () => '/work/assets/work.js', expect: EVERYONE },
  { route: 'GET /work/assets/worker.css', path: () => '/work/assets/worker.css', expect: EVERYONE },
  { route: 'GET /workspaces/demo', path: () => '/workspaces/demo', expect: EVERYONE },
  { route: 'GET /workspaces/demo/images/:name', path: () => '/workspaces/demo/images/1.svg', expect: EVERYONE },
  // the requester console and the invite page: static pages whose script calls the API with the person's key
  { route: 'GET /console', path: () => '/console', expect: EVERYONE },
  { route: 'GET /console/assets/:name', path: () => '/console/assets/console.js', expect: EVERYONE },
  { route: 'GET /invites/:id', path: (w) => `/invites/${w.invite}`, expect: EVERYONE },
  // a browser opening the mailed link is sent to that page, whoever it is and whatever the token: nothing is read or written
  // (an API client's GET, as here without Accept: text/html, is the 405 naming POST)
  { route: 'GET /api/invites/:id/accept', path: (w) => `/api/invites/${w.invite}/accept?token=inv_made_up`, expect: E(405, 405, 405, 405, 405) },
  // tenant A's live assignment with the token each caller holds: tenant B's workers use B's valid one
  {
    route: 'GET /workspaces/demo',
    note: "(a workspace link to tenant A's assignment)",
    path: (w, t) =>
      `/workspaces/demo?workerId=1&assignmentId=${w.assignment}&submitTo=${encodeURIComponent(`${PUBLIC_URL()}/api/assignments/${w.assignment}/submit?token=${t}`)}`,
    expect: E(404, 404, 404, 404, 404),
  },
  { route: 'GET /work/after-submit', path: (w, t) => `/work/after-submit?assignmentId=${w.assignment}&token=${t}`, expect: E(404, 404, 404, 404, 404) },
  {
    route: 'POST /work/claim-next',
    path: () => '/work/claim-next',
    body: (w, t) => ({ assignmentId: w.assignment, token: t }),
    expect: E(404, 404, 404, 404, 404),
  },
  {
    route: 'POST /api/register',
    path: () => '/api/register',
    body: () => ({ email: uniqueEmail('reg'), password: 'correct horse battery', password_confirmation: 'correct horse battery' }),
    expect: E(201, 201, 201, 201, 201),
  },
  // sign-in with a password: public, and a wrong password is the same 401 whoever asks
  {
    route: 'POST /api/sessions',
    path: () => '/api/sessions',
    body: () => ({ email: uniqueEmail('nobody'), password: 'not the password' }),
    expect: E(401, 401, 401, 401, 401),
  },
  // Prometheus metrics: no tenant data (METRICS_TOKEN, unset here, would make it need a token)
  { route: 'GET /metrics', path: () => '/metrics', expect: EVERYONE },
  { route: 'GET /api/me', path: () => '/api/me', expect: SIGNED_IN },
  { route: 'GET /api/users/authenticate', path: () => '/api/users/authenticate', expect: SIGNED_IN },
  { route: 'GET /api/api_keys', path: () => '/api/api_keys', expect: SIGNED_IN },
  { route: 'POST /api/api_keys', path: () => '/api/api_keys', expect: E(401, 201, 201, 201, 201) },
  { route: 'DELETE /api/api_keys/:id', path: (w) => `/api/api_keys/${w.ownerKeyId}`, expect: OWNER_ONLY },
  // guilds
  { route: 'POST /api/guilds', path: () => '/api/guilds', body: () => ({ name: 'g', description: 'd' }), expect: E(401, 201, 201, 201, 201) },
  { route: 'GET /api/guilds', path: () => '/api/guilds', expect: SIGNED_IN },
  { route: 'GET /api/guilds/:id', path: (w) => `/api/guilds/${w.guild}`, expect: E(401, 404, 404, 200, 200) },
  { alias: true, route: 'GET /api/guild/:id', path: (w) => `/api/guild/${w.guild}`, expect: E(401, 404, 404, 200, 200) },
  { route: 'PATCH /api/guilds/:id', path: (w) => `/api/guilds/${w.guild}`, body: () => ({ name: 'renamed' }), expect: E(401, 404, 404, 403, 200) },
  // workspaces
  {
    route: 'POST /api/workspaces',
    path: () => '/api/workspaces',
    body: () => ({ name: 'w', preview: 'https://w.example.com', permissions: 'open' }),
    expect: E(401, 201, 201, 201, 201),
  },
  { route: 'GET /api/workspaces', path: () => '/api/workspaces', expect: SIGNED_IN },
  { route: 'GET /api/workspaces/:id', path: (w) => `/api/workspaces/${w.closedWs}`, expect: E(401, 404, 404, 404, 200) },
  // tasks and connections
  {
    route: 'POST /api/guilds/:gid/tasks',
    path: (w) => `/api/guilds/${w.guild}/tasks`,
    body: () => ({ name: 't', minimum_amount_cents: 1 }),
    expect: E(401, 404, 404, 403, 201),
  },
  { route: 'GET /api/guilds/:gid/tasks', path: (w) => `/api/guilds/${w.guild}/tasks`, expect: E(401, 404, 404, 200, 200) },
  { route: 'GET /api/guilds/:gid/tasks/:id', path: (w) => `/api/guilds/${w.guild}/tasks/${w.tasks[0]}`, expect: E(401, 404, 404, 200, 200) },
  { route: 'GET /api/tasks/:id', path: (w) => `/api/tasks/${w.tasks[0]}`, expect: E(401, 404, 404, 200, 200) },
  { route: 'PATCH /api/tasks/:id', path: (w) => `/api/tasks/${w.tasks[0]}`, body: () => ({ name: 'x' }), expect: E(401, 404, 404, 403, 200) },
  { route: 'GET /api/tasks/:id/connections', path: (w) => `/api/tasks/${w.tasks[0]}/connections`, expect: E(401, 404, 404, 200, 200) },
  {
    route: 'POST /api/guilds/:gid/connections',
    path: (w) => `/api/guilds/${w.guild}/connections`,
    body: (w) => ({ source: w.tasks[1], target: w.tasks[2] }),
    expect: E(401, 404, 404, 403, 201),
  },
  { route: 'DELETE /api/connections/:id', path: (w) => `/api/connections/${w.connection}`, expect: E(401, 404, 404, 403, 200) },
  // members, invites, subscriptions
  { route: 'GET /api/guilds/:gid/members', path: (w) => `/api/guilds/${w.guild}/members`, expect: E(401, 404, 404, 403, 200) },
  { alias: true, route: 'GET /api/guild/:gid/members', path: (w) => `/api/guild/${w.guild}/members`, expect: E(401, 404, 404, 403, 200) },
  {
    route: 'GET /api/guilds/:gid/members/find',
    path: (w) => `/api/guilds/${w.guild}/members/find?email=${encodeURIComponent(`m2-${w.tag}@example.com`)}`,
    expect: E(401, 404, 404, 403, 200),
  },
  {
    alias: true,
    route: 'GET /api/guild/:gid/members/find',
    path: (w) => `/api/guild/${w.guild}/members/find?email=${encodeURIComponent(`m2-${w.tag}@example.com`)}`,
    expect: E(401, 404, 404, 403, 200),
  },
  { route: 'GET /api/guilds/:gid/members/:id', path: (w) => `/api/guilds/${w.guild}/members/${w.member2Id}`, expect: OWNER_ONLY },
  { alias: true, route: 'GET /api/guild/:gid/members/:id', path: (w) => `/api/guild/${w.guild}/members/${w.member2Id}`, expect: OWNER_ONLY },
  { route: 'GET /api/members/:id', path: (w) => `/api/members/${w.member2Id}`, expect: OWNER_ONLY },
  { route: 'DELETE /api/guilds/:gid/members/:id', path: (w) => `/api/guilds/${w.guild}/members/${w.member2Id}`, expect: OWNER_ONLY },
  { alias: true, route: 'DELETE /api/guild/:gid/members/:id', path: (w) => `/api/guild/${w.guild}/members/${w.member2Id}`, expect: OWNER_ONLY },
  { route: 'DELETE /api/members/:id', path: (w) => `/api/members/${w.member2Id}`, expect: OWNER_ONLY },
  {
    route: 'POST /api/guilds/:gid/members/:id/block',
    path: (w) => `/api/guilds/${w.guild}/members/${w.member2Id}/block`,
    body: () => ({ reason: 'r' }),
    expect: OWNER_ONLY,
  },
  { route: 'DELETE /api/guilds/:gid/members/:id/block', path: (w) => `/api/guilds/${w.guild}/members/${w.member2Id}/block`, expect: OWNER_ONLY },
  {
    route: 'POST /api/submissions/:id/bonuses',
    path: (w) => `/api/submissions/${w.submission}/bonuses`,
    body: () => ({ amount_cents: 1, reason: 'r' }),
    // the member who made it: 403 (they know it; only the owner gives bonuses)
    expect: { ...E(401, 404, 404, 403, 201) },
  },
  {
    route: 'POST /api/guilds/:gid/invites',
    path: (w) => `/api/guilds/${w.guild}/invites`,
    body: () => ({ email: uniqueEmail('inv') }),
    expect: E(401, 404, 404, 403, 201),
  },
  { route: 'GET /api/guilds/:gid/invites', path: (w) => `/api/guilds/${w.guild}/invites`, expect: E(401, 404, 404, 403, 200) },
  { route: 'GET /api/me/invites', path: () => '/api/me/invites', expect: SIGNED_IN },
  { route: 'POST /api/invites/:id/accept', path: (w) => `/api/invites/${w.invite}/accept`, expect: E(401, 404, 404, 404, 404) },
  { route: 'DELETE /api/invites/:id', path: (w) => `/api/invites/${w.invite}`, expect: E(401, 404, 404, 403, 200) },
  { route: 'POST /api/tasks/:id/subscriptions', path: (w) => `/api/tasks/${w.tasks[2]}/subscriptions`, expect: E(401, 404, 404, 201, 403) },
  { route: 'DELETE /api/tasks/:id/subscriptions', path: (w) => `/api/tasks/${w.tasks[0]}/subscriptions`, expect: E(401, 404, 404, 200, 404) },
  { route: 'GET /api/me/tasks', path: () => '/api/me/tasks', expect: SIGNED_IN },
  // batches, data, files
  // batches are the owner's alone: a member gets the same 404 as a stranger
  {
    route: 'POST /api/guilds/:gid/batches',
    path: (w) => `/api/guilds/${w.guild}/batches`,
    body: (w) => ({ batch: { data: [{ x: `new-${w.tag}` }] } }),
    expect: E(401, 404, 404, 404, 201),
  },
  {
    alias: true,
    route: 'POST /api/guild/:gid/batch',
    path: (w) => `/api/guild/${w.guild}/batch`,
    body: (w) => ({ batch: { data: [{ x: `new-${w.tag}` }] } }),
    expect: E(401, 404, 404, 404, 201),
  },
  { route: 'GET /api/batches', path: () => '/api/batches', expect: SIGNED_IN },
  { route: 'GET /api/batches/:id', path: (w) => `/api/batches/${w.unpaid}`, expect: OWNER_ONLY },
  { route: 'DELETE /api/batches/:id', path: (w) => `/api/batches/${w.unpaid}`, expect: OWNER_ONLY },
  { route: 'POST /api/batches/:id/debits', path: (w) => `/api/batches/${w.unpaid}/debits`, expect: E(401, 404, 404, 404, 201) },
  { route: 'GET /api/batches/:id/data', path: (w) => `/api/batches/${w.unpaid}/data`, expect: OWNER_ONLY },
  {
    route: 'POST /api/batches/:id/data',
    path: (w) => `/api/batches/${w.unpaid}/data`,
    body: (w) => ({ x: `added-${w.tag}` }),
    expect: E(401, 404, 404, 404, 201),
  },
  { route: 'GET /api/data/:id', path: (w) => `/api/data/${w.unpaidDatum}`, expect: OWNER_ONLY },
  { route: 'DELETE /api/data/:id', path: (w) => `/api/data/${w.unpaidDatum}`, expect: OWNER_ONLY },
  { route: 'GET /api/data/:id/history', path: (w) => `/api/data/${w.paidDatum}/history`, expect: OWNER_ONLY },
  { route: 'POST /api/batches/:id/files', path: (w) => `/api/batches/${w.unpaid}/files`, upload: true, expect: E(401, 404, 404, 404, 201) },
  { route: 'GET /api/files/:id/:name', path: (w) => `/api/files/${w.file.id}/${w.file.name}`, expect: OWNER_ONLY },
  // webhooks
  {
    route: 'POST /api/batches/:id/webhooks',
    path: (w) => `/api/batches/${w.unpaid}/webhooks`,
    body: (w) => ({ destination: `https://hooks.example.com/${w.tag}/2`, secret: `whsec2-${w.tag}` }),
    expect: E(401, 404, 404, 404, 201),
  },
  { route: 'GET /api/batches/:id/webhooks', path: (w) => `/api/batches/${w.unpaid}/webhooks`, expect: OWNER_ONLY },
  { route: 'GET /api/webhooks/:id', path: (w) => `/api/webhooks/${w.webhook}`, expect: OWNER_ONLY },
  { route: 'DELETE /api/webhooks/:id', path: (w) => `/api/webhooks/${w.webhook}`, expect: OWNER_ONLY },
  {
    route: 'PATCH /api/webhooks/:id',
    path: (w) => `/api/webhooks/${w.webhook}`,
    body: () => ({ events: ['batch.completed', 'datum.completed'] }),
    expect: OWNER_ONLY,
  },
  // results out (API.md §13): the owner's alone, like the batch
  { route: 'GET /api/batches/:id/results', path: (w) => `/api/batches/${w.paid}/results`, expect: OWNER_ONLY },
  { route: 'GET /api/batches/:id/events', path: (w) => `/api/batches/${w.paid}/events`, stream: true, expect: OWNER_ONLY },
  { route: 'GET /api/webhooks/:id/deliveries', path: (w) => `/api/webhooks/${w.webhook}/deliveries`, expect: OWNER_ONLY },
  // no event yet: the owner gets as far as the 409
  { route: 'POST /api/webhooks/:id/redeliver', path: (w) => `/api/webhooks/${w.webhook}/redeliver`, expect: E(401, 404, 404, 404, 409) },
  // work
  { route: 'POST /api/tasks/:id/claims', path: (w) => `/api/tasks/${w.tasks[0]}/claims`, expect: E(401, 404, 404, 201, 404) },
  { route: 'GET /api/assignments', path: () => '/api/assignments', expect: SIGNED_IN },
  { route: 'GET /api/assignments/:id', path: (w) => `/api/assignments/${w.assignment}`, expect: E(401, 404, 404, 200, 404) },
  { route: 'POST /api/assignments/:id/release', path: (w) => `/api/assignments/${w.assignment}/release`, expect: E(401, 404, 404, 200, 404) },
  {
    route: 'POST /api/assignments/:id/submit',
    path: (w) => `/api/assignments/${w.assignment}/submit`,
    body: () => ({ parameters: { answer: 'yes' } }),
    expect: E(401, 404, 404, 200, 404),
  },
  // money
  { route: 'GET /api/wallets', path: () => '/api/wallets', expect: SIGNED_IN },
  { route: 'GET /api/wallets/:id', path: (w) => `/api/wallets/${w.memberWallet}`, expect: E(401, 404, 404, 200, 404) },
  { alias: true, route: 'GET /api/wallet/:id', path: (w) => `/api/wallet/${w.memberWallet}`, expect: E(401, 404, 404, 200, 404) },
  { route: 'GET /api/wallets/:id/transactions', path: (w) => `/api/wallets/${w.memberWallet}/transactions`, expect: E(401, 404, 404, 200, 404) },
  {
    route: 'POST /api/wallets/:id/payouts',
    path: (w) => `/api/wallets/${w.memberWallet}/payouts`,
    body: () => ({ amount_cents: 1 }),
    expect: E(401, 404, 404, 201, 404),
  },
  { route: 'POST /api/payouts/:id/approve', path: (w) => `/api/payouts/${w.payout}/approve`, expect: OWNER_ONLY },
  { route: 'POST /api/payouts/:id/decline', path: (w) => `/api/payouts/${w.payout}/decline`, expect: OWNER_ONLY },
  { route: 'GET /api/guilds/:gid/payouts', path: (w) => `/api/guilds/${w.guild}/payouts`, expect: E(401, 404, 404, 404, 200) },
  { route: 'POST /api/payment_methods', path: () => '/api/payment_methods', body: () => ({ source: 'tok_visa' }), expect: E(401, 201, 201, 201, 201) },
  { route: 'GET /api/payment_methods', path: () => '/api/payment_methods', expect: SIGNED_IN },
  // quality: gold is the owner's (members see the task, so they get 403 as for other owner-only writes)
  {
    route: 'POST /api/tasks/:id/gold',
    path: (w) => `/api/tasks/${w.tasks[2]}/gold`,
    body: (w) => ({ data: [{ parameters: { q: `gold2-${w.tag}` }, answer: 'yes' }] }),
    expect: E(401, 404, 404, 403, 201),
  },
  { route: 'GET /api/tasks/:id/gold', path: (w) => `/api/tasks/${w.tasks[2]}/gold`, expect: E(401, 404, 404, 403, 200) },
  { route: 'DELETE /api/gold/:id', path: (w) => `/api/gold/${w.gold}`, expect: E(401, 404, 404, 403, 200) },
  // skills (§11.4): the owner's, like gold (a member sees the task, so 403)
  { route: 'GET /api/tasks/:id/workers', path: (w) => `/api/tasks/${w.tasks[2]}/workers`, expect: E(401, 404, 404, 403, 200) },
];

/** Routes the matrix leaves out on purpose, with the reason (the interactive docs are static HTML). */
const NOT_API: Record<string, string> = {};

/** A supertest parser for a stream that never ends: the first chunk (JSON when the whole answer is one error document). */
function firstChunk(res: NodeJS.ReadableStream & { destroy(): void }, done: (err: Error | null, body: unknown) => void): void {
  let text = '';
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    try {
      done(null, JSON.parse(text));
    } catch {
      done(null, text);
    }
  };
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    text += c;
    if (text.includes('\n\n') && !text.trimStart().startsWith('{')) {
      finish();
      res.destroy();
    }
  });
  res.on('end', finish);
}

describe('tenant isolation: every route × {anonymous, stranger, worker elsewhere, member, owner}', () => {
  let s: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let outsider: TestUser; // a worker, but of another tenant's guild
  let otherOwner: TestUser;
  let requests = 0;
  let watch: WriteWatch;
  /** the outsider's live claim at tenant B: a valid assignment token of another tenant */
  let bToken: string;
  /** refused requests whose stored state was compared before and after */
  let refusedChecked = 0;

  beforeAll(async () => {
    s = await startTestServer({ rateLimitPerMinute: 1_000_000 });
    [owner, member, stranger, outsider, otherOwner] = await Promise.all([
      registerUser(s.http, uniqueEmail('owner-a')),
      registerUser(s.http, uniqueEmail('member-a')),
      registerUser(s.http, uniqueEmail('stranger')),
      registerUser(s.http, uniqueEmail('outsider')),
      registerUser(s.http, uniqueEmail('owner-b')),
    ]);
    // tenant B: the outsider works there (member and subscribed), with open work of its own
    const gb = await createGuild(s.http, otherOwner, { name: 'Tenant B' });
    const tb = await createTask(s.http, otherOwner, gb.id, { name: 'b-task', minimum_amount_cents: 1 });
    await addMember(s.http, otherOwner, gb.id, outsider);
    await subscribe(s.http, outsider, tb.id);
    for (const u of [owner, otherOwner])
      expect((await s.http.post('/api/payment_methods').set('Authorization', u.auth).send({ source: 'tok_visa' })).status).toBe(201);
    const bb = await s.http
      .post(`/api/guilds/${gb.id}/batches`)
      .set('Authorization', otherOwner.auth)
      .send({ batch: { data: [{ q: 'b1' }, { q: 'b2' }] } });
    expect((await s.http.post(`/api/batches/${bb.body.id}/debits`).set('Authorization', otherOwner.auth)).status).toBe(201);
    const bClaim = await s.http.post(`/api/tasks/${tb.id}/claims`).set('Authorization', outsider.auth);
    expect(bClaim.status).toBe(201);
    bToken = new URL(bClaim.body.submit_to).searchParams.get('token')!;
    PUBLIC_URL = () => s.config.publicUrl;
    // tenant B's token is live: on B's own assignment it opens the page (so the 404s below are about the tenant)
    expect((await s.http.get(`/work/after-submit?assignmentId=${bClaim.body.id}&token=${bToken}`)).status).toBe(200);
    // from here on every committed row change and the file store are watched (test/support/write-watch.ts)
    watch = await watchWrites(s);
  }, 120_000);
  afterAll(() => s.close());

  const ok = (res: { status: number; body: Wire }, status: number, what: string): Wire => {
    if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  /** The owner's second keys made by earlier worlds: a user holds at most 50 keys, so each world deletes the last one's. */
  const earlierWorldKeys: string[] = [];

  /** Builds tenant A's world through the API. */
  async function world(): Promise<World> {
    const tag = randomBytes(6).toString('hex');
    const auth = owner.auth;
    for (const id of earlierWorldKeys.splice(0)) {
      const gone = await s.http.delete(`/api/api_keys/${id}`).set('Authorization', auth);
      if (gone.status !== 200 && gone.status !== 404) throw new Error(`deleting an earlier world's key: ${gone.status}`);
    }
    const guild = await createGuild(s.http, owner, { name: `Guild-${tag}` });
    const ws = ok(
      await s.http
        .post('/api/workspaces')
        .set('Authorization', auth)
        .send({ name: `ClosedWs-${tag}`, preview: 'https://closed.example.com', permissions: 'closed' }),
      201,
      'workspace',
    );
    const tasks: string[] = [];
    for (let i = 0; i < 3; i++)
      tasks.push((await createTask(s.http, owner, guild.id, { name: `Task${i}-${tag}`, minimum_amount_cents: 5, workspace_id: ws.id })).id);
    const conn = await connectTasks(s.http, owner, guild.id, tasks[0], tasks[1]);
    const m = await addMember(s.http, owner, guild.id, member);
    const member2 = await registerUser(s.http, `m2-${tag}@example.com`);
    const m2 = await addMember(s.http, owner, guild.id, member2);
    await subscribe(s.http, member, tasks[0]);
    await subscribe(s.http, member, tasks[1]);
    const inviteEmail = `invitee-${tag}@example.com`;
    const inv = ok(await s.http.post(`/api/guilds/${guild.id}/invites`).set('Authorization', auth).send({ email: inviteEmail }), 201, 'invite');
    const paid = ok(
      await s.http
        .post(`/api/guilds/${guild.id}/batches`)
        .set('Authorization', auth)
        .send({ batch: { data: [{ q: `paid1-${tag}` }, { q: `paid2-${tag}` }, { q: `paid3-${tag}` }] } }),
      201,
      'paid batch',
    );
    ok(await s.http.post(`/api/batches/${paid.id}/debits`).set('Authorization', auth), 201, 'pay');
    const webhookSecret = `whsec-${tag}-${randomBytes(8).toString('hex')}`;
    const webhookDestination = `https://hooks.example.com/${tag}`;
    const unpaid = ok(
      await s.http
        .post(`/api/guilds/${guild.id}/batches`)
        .set('Authorization', auth)
        .send({ batch: { data: [{ q: `secret-datum-${tag}` }], webhooks: [{ destination: webhookDestination, secret: webhookSecret }] } }),
      201,
      'unpaid batch',
    );
    const file = ok(
      await s.http
        .post(`/api/batches/${unpaid.id}/files`)
        .set('Authorization', auth)
        .attach('file', Buffer.from(`file-bytes-${tag}`), `photo-${tag}.png`),
      201,
      'file',
    );
    // the member does one piece of work (so its wallet has money), then holds a second
    const first = ok(await s.http.post(`/api/tasks/${tasks[0]}/claims`).set('Authorization', member.auth), 201, 'claim');
    ok(
      await s.http
        .post(`/api/assignments/${first.id}/submit`)
        .set('Authorization', member.auth)
        .send({ parameters: { answer: `ans-${tag}` } }),
      200,
      'submit',
    );
    const live = ok(await s.http.post(`/api/tasks/${tasks[0]}/claims`).set('Authorization', member.auth), 201, 'claim 2');
    const [sub] = await s.sql<{ id: string }>('SELECT id FROM submissions WHERE assignment_id = $1', [first.id]);
    const [mw] = await s.sql<{ id: string }>(`SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND guild_id = $1 AND user_id = $2`, [guild.id, member.id]);
    const [ow] = await s.sql<{ id: string }>(`SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND guild_id = $1 AND user_id = $2`, [guild.id, owner.id]);
    const payout = ok(await s.http.post(`/api/wallets/${mw.id}/payouts`).set('Authorization', member.auth).send({ amount_cents: 1 }), 201, 'payout');
    const key = ok(await s.http.post('/api/api_keys').set('Authorization', auth), 201, 'api key');
    earlierWorldKeys.push(key.id);
    ok(
      await s.http
        .patch(`/api/tasks/${tasks[2]}`)
        .set('Authorization', auth)
        .send({ quality: { answer: 'answer', labels: ['yes', 'no'] } }),
      200,
      'quality',
    );
    const gold = ok(
      await s.http
        .post(`/api/tasks/${tasks[2]}/gold`)
        .set('Authorization', auth)
        .send({ data: [{ parameters: { q: `gold-${tag}` }, answer: 'no' }] }),
      201,
      'gold',
    );
    return {
      tag,
      guild: guild.id,
      tasks,
      connection: conn.id,
      closedWs: ws.id,
      memberId: m.id,
      member2Id: m2.id,
      invite: inv.id,
      inviteEmail,
      paid: paid.id,
      unpaid: unpaid.id,
      unpaidDatum: unpaid.data[0].id,
      paidDatum: paid.data[0].id,
      webhook: unpaid.webhooks[0].id,
      webhookSecret,
      webhookDestination,
      file: { id: file.id, name: file.name },
      assignment: live.id,
      submission: String(sub.id),
      assignmentToken: new URL(live.submit_to).searchParams.get('token')!,
      memberWallet: String(mw.id),
      ownerWallet: String(ow.id),
      payout: payout.id,
      ownerKeyId: key.id,
      ownerKeySecret: key.api_key,
      gold: gold.data[0].id,
    };
  }

  /** What `who` must never see of tenant A in any response body. */
  function forbiddenMarkers(w: World, who: Who): string[] {
    const always = [w.webhookSecret, w.ownerKeySecret, w.assignmentToken, owner.key, member.key, 'scrypt$'];
    if (who === 'owner') return always;
    const privateToOwner = [
      `gold-${w.tag}`,
      w.webhookDestination,
      `secret-datum-${w.tag}`,
      `photo-${w.tag}`,
      owner.email,
      `m2-${w.tag}@`,
      w.inviteEmail,
      `file-bytes-${w.tag}`,
    ];
    // a member sees the guild's tasks, and each Task embeds its workspace (API.md §4), closed or not
    if (who === 'member') return [...always, ...privateToOwner];
    privateToOwner.push(`ClosedWs-${w.tag}`);
    // strangers see nothing of tenant A at all: no name, no email, no datum, no answer
    return [...always, ...privateToOwner, w.tag, member.email];
  }

  it('discovers every route from the router, and each has a row (a new route cannot skip the matrix)', () => {
    const discovered = discoverRoutes(s.app).filter((r) => !/\/api\/docs/.test(r));
    expect(discovered.length).toBeGreaterThan(60);
    const covered = new Set(ROWS.filter((r) => !r.alias).map((r) => r.route));
    expect(discovered.filter((r) => !covered.has(r) && !NOT_API[r])).toEqual([]);
    expect([...covered].filter((r) => !discovered.includes(r))).toEqual([]); // no stale rows
    writeFigures('tenant isolation matrix', { routes: discovered.length, rows: ROWS.length, callers: WHO.length, cells: ROWS.length * WHO.length });
  });

  it.each(ROWS.map((r) => [r.note ? `${r.route} ${r.note}` : r.route, r] as const))('%s', async (_name, row) => {
    const w = await world();
    const users: Record<Exclude<Who, 'anon'>, TestUser> = { stranger, outsider, otherOwner, member, owner };
    // the workers and owner of tenant B try B's valid assignment token; the others a made-up one
    const tokenOf = (who: Who) => (who === 'outsider' || who === 'otherOwner' ? bToken : 'ogs_wrong');
    const got: Record<string, number> = {};
    const leaks: string[] = [];
    const wrote: string[] = [];
    let known: string | undefined; // the state after the last refused call, while nothing was accepted since
    for (const who of WHO) {
      const [method, pattern] = row.route.split(' ');
      const t = tokenOf(who);
      let req = (s.http as unknown as Record<string, (p: string) => request.Test>)[method.toLowerCase()](row.path(w, t));
      if (who !== 'anon') req = req.set('Authorization', users[who].auth);
      if (row.stream) req = req.buffer(true).parse(firstChunk as never);
      if (row.upload) req = req.attach('file', Buffer.from('x'), 'up.txt');
      else if (row.body) req = req.send(row.body(w, t));
      const before = known ?? (await watch.state());
      known = undefined;
      const res = await req;
      requests++;
      got[who] = res.status;
      // a refused request (any 4xx, reads too) writes nothing: no row of any table, no file, also after the response
      if (res.status >= 400) {
        const after = await watch.state();
        refusedChecked++;
        if (after !== before) wrote.push(`${row.route} as ${who} (${res.status}) wrote: ${describeChange(before, after)}`);
        known = after;
      }
      const text = res.text ?? (Buffer.isBuffer(res.body) ? res.body.toString() : JSON.stringify(res.body ?? ''));
      for (const m of forbiddenMarkers(w, who)) if (text.includes(m)) leaks.push(`${row.route} as ${who}: body contains ${m}`);
      // API errors are in the error shape; the worker's HTML pages answer with an HTML page
      const isHtml = /text\/html/.test(res.headers['content-type'] ?? '');
      if (res.status >= 400 && !isHtml)
        expect(res.body).toEqual(expect.objectContaining({ error: expect.any(String), type: expect.any(String), status: res.status }));
      if (res.status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="OpenGuilds"');
      void pattern;
    }
    expect({ got, leaks, wrote }).toEqual({ got: row.expect, leaks: [], wrote: [] });
  });

  it('the owner may see their own records (the markers are live: a check that cannot fail proves nothing)', async () => {
    const w = await world();
    const res = await s.http.get(`/api/batches/${w.unpaid}`).set('Authorization', owner.auth);
    expect(res.text).toContain(`secret-datum-${w.tag}`);
    expect(res.text).toContain(w.webhookDestination);
    expect(res.text).not.toContain(w.webhookSecret);
    writeFigures('tenant isolation requests', { requests, refusedChecked, tablesWatched: watch.tables.length });
  });
});
