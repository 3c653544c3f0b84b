// Promise: hostile input to every write endpoint (POST/PATCH/DELETE) never causes a 5xx, is always answered in the error shape, and a rejected request changes no stored state (no row of any table, no file, also after the response).
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import request from 'supertest';
import { registerUser, TestUser, uniqueEmail } from '../support/fixtures';
import { addMember, connectTasks, createGuild, createTask, createWorkspace, subscribe } from '../support/guild-fixtures';
import { expectLedgerInvariant } from '../support/ledger';
import { startTestServer, TestServer } from '../support/server';
import { watchWrites, WriteWatch } from '../support/write-watch';
import { discoverRoutes } from './routes';
import { writeFigures } from './figures';

type Wire = Record<string, any>;

/**
 * The seed: fixed in `npm test` so CI never fails by luck; `npm run test:fuzz` sets
 * OG_FUZZ_SEED=random and a failure there is replayed with `OG_FUZZ_SEED=<the printed seed>`.
 */
const RANDOM = process.env.OG_FUZZ_SEED === 'random';
/** runs per target: 100 × 37 targets in `npm test`; 290 (> 10,000 cases) in `npm run test:fuzz` */
const RUNS = Number(process.env.OG_FUZZ_RUNS ?? (RANDOM ? 290 : 100));
const FIXED_SEED = 20261202;
const SEED = RANDOM ? randomInt(2 ** 31 - 1) : Number(process.env.OG_FUZZ_SEED ?? FIXED_SEED);
if (!Number.isInteger(SEED)) throw new Error(`OG_FUZZ_SEED must be an integer or "random", got ${process.env.OG_FUZZ_SEED}`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`OG_FUZZ_RUNS must be a positive integer, got ${process.env.OG_FUZZ_RUNS}`);
process.stdout.write(`[hostile input] fast-check seed ${SEED}, ${RUNS} runs per target (replay: OG_FUZZ_SEED=${SEED} OG_FUZZ_RUNS=${RUNS})\n`);

/** The records the fuzzed requests aim at: real ids the caller may use, so body validation is reached. */
interface Ids {
  guild: string;
  task: string;
  task2: string;
  task3: string;
  goldTask: string;
  gold: string;
  connection: string;
  member: string;
  memberGuild: string;
  invite: string;
  unpaid: string;
  datum: string;
  webhook: string;
  assignment: string;
  submitted: string;
  submittedToken: string;
  /** the Submission (submissions.id) of \`submitted\` */
  submission: string;
  wallet: string;
  payout: string;
  apiKey: string;
}

type Caller = 'anon' | 'owner' | 'member' | 'invitee';

interface Target {
  route: string;
  who: Caller;
  path: (ids: Ids) => string;
  /** a valid body; the fuzzer mutates it */
  template?: (ids: Ids) => Record<string, unknown>;
  /** also fuzz with form / multipart bodies */
  forms?: boolean;
  /**
   * For a target an accepted request uses up (a DELETE, a submit, an approval…): makes a fresh
   * record (updating `ids`) before the next case, so every case aims at a live record.
   */
  fresh?: () => Promise<void>;
}

// the world (filled in beforeAll) the targets' fresh() functions use
let s: TestServer;
let owner: TestUser;
let member: TestUser;
let invitee: TestUser;
let ids: Ids;
const callers = (): Record<Caller, TestUser | undefined> => ({ anon: undefined, owner, member, invitee });

function ok(res: { status: number; body: Wire }, status: number, what: string): Wire {
  if (res.status !== status) throw new Error(`fuzz fixture ${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
const asOwner = (r: request.Test) => r.set('Authorization', owner.auth);
const asMember = (r: request.Test) => r.set('Authorization', member.auth);

const fresh = {
  async connection() {
    const a = await createTask(s.http, owner, ids.guild, { name: 'ca', minimum_amount_cents: 1 });
    const b = await createTask(s.http, owner, ids.guild, { name: 'cb', minimum_amount_cents: 1 });
    ids.connection = (await connectTasks(s.http, owner, ids.guild, a.id, b.id)).id;
  },
  /** an invite of the invitee to a new guild (the same user can accept one per guild) */
  async invite() {
    const g = await createGuild(s.http, owner, { name: 'invite guild' });
    ids.invite = ok(await asOwner(s.http.post(`/api/guilds/${g.id}/invites`)).send({ email: invitee.email }), 201, 'invite').id;
  },
  async subscription() {
    const res = await asMember(s.http.post(`/api/tasks/${ids.task3}/subscriptions`));
    if (res.status !== 201 && res.status !== 200) ok(res, 201, 'subscribe');
  },
  async unpaid() {
    const b = ok(
      await asOwner(s.http.post(`/api/guilds/${ids.guild}/batches`)).send({
        batch: { data: [{ q: 'u1' }, { q: 'u2' }], webhooks: [{ destination: 'https://h.example.com', secret: 'fuzz-secret' }] },
      }),
      201,
      'unpaid batch',
    );
    Object.assign(ids, { unpaid: b.id, datum: b.data[0].id, webhook: b.webhooks[0].id });
  },
  async datum() {
    const res = ok(await asOwner(s.http.post(`/api/batches/${ids.unpaid}/data`)).send({ data: [{ q: 'd' }] }), 201, 'datum');
    ids.datum = (res.data ?? res)[0]?.id ?? res.id;
  },
  async webhook() {
    ids.webhook = ok(
      await asOwner(s.http.post(`/api/batches/${ids.unpaid}/webhooks`)).send({ destination: 'https://h.example.com', secret: 'fuzz-secret' }),
      201,
      'webhook',
    ).id;
  },
  async assignment() {
    ids.assignment = ok(await asMember(s.http.post(`/api/tasks/${ids.task}/claims`)), 201, 'claim').id;
  },
  async submitted() {
    const a = ok(await asMember(s.http.post(`/api/tasks/${ids.task}/claims`)), 201, 'claim');
    ok(await asMember(s.http.post(`/api/assignments/${a.id}/submit`)).send({ parameters: { answer: 'a' } }), 200, 'submit');
    ids.submitted = a.id;
    ids.submittedToken = new URL(a.submit_to).searchParams.get('token') ?? '';
    ids.submission = String((await s.sql<{ id: string }>('SELECT id FROM submissions WHERE assignment_id = $1', [a.id]))[0].id);
  },
  async payout() {
    ids.payout = ok(await asMember(s.http.post(`/api/wallets/${ids.wallet}/payouts`)).send({ amount_cents: 1 }), 201, 'payout').id;
  },
  async gold() {
    ids.gold = ok(
      await asOwner(s.http.post(`/api/tasks/${ids.goldTask}/gold`)).send({ data: [{ parameters: { q: 'g' }, answer: 'cat' }] }),
      201,
      'gold',
    ).data[0].id;
  },
  async apiKey() {
    ids.apiKey = ok(await asOwner(s.http.post('/api/api_keys')), 201, 'api key').id;
  },
  /** the invitee as a member of a new guild of the owner's (removing it touches no other target's record) */
  async member() {
    const g = await createGuild(s.http, owner, { name: 'member guild' });
    ids.memberGuild = g.id;
    ids.member = (await addMember(s.http, owner, g.id, invitee)).id;
  },
};

const PARAMS = { q: 'x' };
const TARGETS: Target[] = [
  {
    route: 'POST /api/register',
    who: 'anon',
    path: () => '/api/register',
    template: () => ({ email: 'a@example.com', password: 'long enough pw', password_confirmation: 'long enough pw' }),
  },
  { route: 'POST /api/sessions', who: 'anon', path: () => '/api/sessions', template: () => ({ email: 'a@example.com', password: 'long enough pw' }) },
  { route: 'POST /api/api_keys', who: 'owner', path: () => '/api/api_keys', template: () => ({}) },
  { route: 'POST /api/guilds', who: 'owner', path: () => '/api/guilds', template: () => ({ name: 'g', description: 'd', input_parameters: ['q'] }) },
  {
    route: 'PATCH /api/guilds/:id',
    who: 'owner',
    path: (i) => `/api/guilds/${i.guild}`,
    template: () => ({ name: 'g', description: 'd', input_parameters: ['q'] }),
  },
  {
    route: 'POST /api/workspaces',
    who: 'owner',
    path: () => '/api/workspaces',
    template: () => ({ name: 'w', preview: 'https://w.example.com', permissions: 'open' }),
  },
  {
    route: 'POST /api/guilds/:gid/tasks',
    who: 'owner',
    path: (i) => `/api/guilds/${i.guild}/tasks`,
    template: () => ({ name: 't', minimum_amount_cents: 1, lease_seconds: 60 }),
  },
  {
    route: 'PATCH /api/tasks/:id',
    who: 'owner',
    path: (i) => `/api/tasks/${i.task2}`,
    template: () => ({ name: 't', minimum_amount_cents: 1, lease_seconds: 60 }),
  },
  {
    route: 'POST /api/guilds/:gid/connections',
    who: 'owner',
    path: (i) => `/api/guilds/${i.guild}/connections`,
    template: (i) => ({ source: i.task, target: i.task2 }),
  },
  { route: 'DELETE /api/connections/:id', who: 'owner', path: (i) => `/api/connections/${i.connection}`, fresh: fresh.connection },
  { route: 'POST /api/guilds/:gid/invites', who: 'owner', path: (i) => `/api/guilds/${i.guild}/invites`, template: () => ({ email: 'i@example.com' }) },
  { route: 'POST /api/invites/:id/accept', who: 'invitee', path: (i) => `/api/invites/${i.invite}/accept`, template: () => ({}), fresh: fresh.invite },
  { route: 'DELETE /api/invites/:id', who: 'owner', path: (i) => `/api/invites/${i.invite}`, fresh: fresh.invite },
  { route: 'POST /api/tasks/:id/subscriptions', who: 'member', path: (i) => `/api/tasks/${i.task2}/subscriptions`, template: () => ({}) },
  { route: 'DELETE /api/tasks/:id/subscriptions', who: 'member', path: (i) => `/api/tasks/${i.task3}/subscriptions`, fresh: fresh.subscription },
  {
    route: 'POST /api/guilds/:gid/batches',
    who: 'owner',
    path: (i) => `/api/guilds/${i.guild}/batches`,
    template: () => ({ batch: { data: [PARAMS], webhooks: [{ destination: 'https://h.example.com', secret: 's' }] } }),
  },
  {
    route: 'POST /api/guild/:gid/batch',
    who: 'owner',
    path: (i) => `/api/guild/${i.guild}/batch`,
    template: () => ({
      batch: {
        data_attributes: [{ parameters_attributes: [{ key: 'q', value: 'v' }] }],
        webhooks_attributes: [{ destination: 'https://h.example.com', secret: 's' }],
      },
    }),
  },
  { route: 'POST /api/batches/:id/data', who: 'owner', path: (i) => `/api/batches/${i.unpaid}/data`, template: () => ({ data: [PARAMS] }) },
  { route: 'DELETE /api/data/:id', who: 'owner', path: (i) => `/api/data/${i.datum}`, fresh: fresh.datum },
  {
    route: 'POST /api/batches/:id/files',
    who: 'owner',
    path: (i) => `/api/batches/${i.unpaid}/files`,
    template: () => ({ parameter: 'file_url' }),
    forms: true,
  },
  {
    route: 'POST /api/batches/:id/webhooks',
    who: 'owner',
    path: (i) => `/api/batches/${i.unpaid}/webhooks`,
    template: () => ({ destination: 'https://h.example.com', secret: 's' }),
  },
  { route: 'PATCH /api/webhooks/:id', who: 'owner', path: (i) => `/api/webhooks/${i.webhook}`, template: () => ({ events: ['batch.completed'] }) },
  {
    route: 'POST /api/tasks/:id/gold',
    who: 'owner',
    path: (i) => `/api/tasks/${i.goldTask}/gold`,
    template: () => ({ data: [{ parameters: { q: 'g' }, answer: 'cat' }] }),
  },
  { route: 'DELETE /api/gold/:id', who: 'owner', path: (i) => `/api/gold/${i.gold}`, fresh: fresh.gold },
  { route: 'DELETE /api/webhooks/:id', who: 'owner', path: (i) => `/api/webhooks/${i.webhook}`, fresh: fresh.webhook },
  { route: 'POST /api/webhooks/:id/redeliver', who: 'owner', path: (i) => `/api/webhooks/${i.webhook}/redeliver`, template: () => ({}), fresh: fresh.webhook },
  { route: 'POST /api/tasks/:id/claims', who: 'member', path: (i) => `/api/tasks/${i.task}/claims`, template: () => ({}) },
  {
    route: 'POST /api/assignments/:id/release',
    who: 'member',
    path: (i) => `/api/assignments/${i.assignment}/release`,
    template: () => ({}),
    fresh: fresh.assignment,
  },
  {
    route: 'POST /api/assignments/:id/submit',
    who: 'member',
    path: (i) => `/api/assignments/${i.assignment}/submit`,
    template: () => ({ parameters: { answer: 'a' } }),
    forms: true,
    fresh: fresh.assignment,
  },
  { route: 'POST /api/wallets/:id/payouts', who: 'member', path: (i) => `/api/wallets/${i.wallet}/payouts`, template: () => ({ amount_cents: 1 }) },
  { route: 'POST /api/payouts/:id/approve', who: 'owner', path: (i) => `/api/payouts/${i.payout}/approve`, template: () => ({}), fresh: fresh.payout },
  { route: 'POST /api/payouts/:id/decline', who: 'owner', path: (i) => `/api/payouts/${i.payout}/decline`, template: () => ({}), fresh: fresh.payout },
  { route: 'POST /api/payment_methods', who: 'owner', path: () => '/api/payment_methods', template: () => ({ source: 'tok_visa' }) },
  { route: 'PATCH /api/guilds/:id', who: 'member', path: (i) => `/api/guilds/${i.guild}`, template: () => ({ name: 'g' }) },
  {
    route: 'POST /work/claim-next',
    who: 'anon',
    path: () => '/work/claim-next',
    template: (i) => ({ assignmentId: i.submitted, token: i.submittedToken }),
    forms: true,
    fresh: fresh.submitted,
  },
  { route: 'DELETE /api/batches/:id', who: 'owner', path: (i) => `/api/batches/${i.unpaid}`, fresh: fresh.unpaid },
  { route: 'POST /api/batches/:id/debits', who: 'owner', path: (i) => `/api/batches/${i.unpaid}/debits`, template: () => ({}), fresh: fresh.unpaid },
  { route: 'DELETE /api/api_keys/:id', who: 'owner', path: (i) => `/api/api_keys/${i.apiKey}`, fresh: fresh.apiKey },
  { route: 'DELETE /api/guilds/:gid/members/:id', who: 'owner', path: (i) => `/api/guilds/${i.memberGuild}/members/${i.member}`, fresh: fresh.member },
  { route: 'DELETE /api/guild/:gid/members/:id', who: 'owner', path: (i) => `/api/guild/${i.memberGuild}/members/${i.member}`, fresh: fresh.member },
  { route: 'DELETE /api/members/:id', who: 'owner', path: (i) => `/api/members/${i.member}`, fresh: fresh.member },
  {
    route: 'POST /api/guilds/:gid/members/:id/block',
    who: 'owner',
    path: (i) => `/api/guilds/${i.memberGuild}/members/${i.member}/block`,
    template: () => ({ reason: 'r' }),
  },
  { route: 'DELETE /api/guilds/:gid/members/:id/block', who: 'owner', path: (i) => `/api/guilds/${i.memberGuild}/members/${i.member}/block` },
  {
    route: 'POST /api/submissions/:id/bonuses',
    who: 'owner',
    path: (i) => `/api/submissions/${i.submission}/bonuses`,
    template: () => ({ amount_cents: 1, reason: 'r' }),
  },
];

// ------------------------------------------------------------------ hostile values

const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'];
const hugeString = fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'x'.repeat(n));
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 63, Number('9223372036854775807'), Number('-9223372036854775808'), 1e-300),
);
const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uFEFF',
    '\uD800',
    'null',
    'true',
    '1e3',
    '-1',
    '00001',
    '99999999999999999999999',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '../../etc/passwd',
    'https://169.254.169.254/latest',
    'javascript:alert(1)',
    '%00',
    'tok_chargeDeclined',
    ...POLLUTING_KEYS,
  ),
  hugeString,
);
const pollutedObject = fc.constantFrom<unknown>(
  JSON.parse('{"__proto__":{"polluted":"yes"}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  JSON.parse('{"prototype":{"polluted":"yes"},"__proto__":[]}'),
);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  weirdString,
  weirdNumber,
  fc.boolean(),
  fc.constant(null),
  pollutedObject,
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(weirdString, { maxLength: 5 }),
  fc.dictionary(weirdString, weirdString, { maxKeys: 5 }),
);

/** a JSON text nested `n` deep, `[[[…]]]` or `{"a":{"a":…}}`, optionally inside a valid envelope */
const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean())
  .map(([n, arr]) => (arr ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));

function setPath(obj: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: Record<string, unknown> = Array.isArray(obj) ? ({ ...obj } as Record<string, unknown>) : { ...(obj as object) };
  const [head, ...rest] = path;
  Object.defineProperty(copy, head, { value: setPath(copy[head], rest, value), enumerable: true, writable: true, configurable: true });
  return Array.isArray(obj) ? Object.assign([], copy) : copy;
}

/** the key paths of a template, e.g. ['batch','data','0','q'] */
function paths(obj: unknown, prefix: string[] = []): string[][] {
  if (obj === null || typeof obj !== 'object') return [prefix];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const [k, v] of Object.entries(obj)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Body =
  | { kind: 'json'; text: string }
  | { kind: 'form'; fields: Record<string, string> }
  | { kind: 'multipart'; fields: Record<string, string>; file: boolean }
  | { kind: 'none' };

/**
 * A hostile body, as a function of the target's current template (a fresh record changes the
 * template's ids, e.g. the claim-next token, but never its shape).
 */
type MakeBody = (template: Record<string, unknown>) => Body;

function bodyArb(t: Target, shape: Record<string, unknown>): fc.Arbitrary<MakeBody> {
  const ps = paths(shape);
  const anyPath = fc.constantFrom(...(ps.length ? ps : [['x']]));
  const json = (v: unknown): Body => ({ kind: 'json', text: JSON.stringify(v) });
  const constant =
    (b: Body): MakeBody =>
    () =>
      b;
  const options: Array<fc.Arbitrary<MakeBody> | fc.WeightedArbitrary<MakeBody>> = [
    // one field replaced by a hostile value: the most frequent case, it reaches the validation
    {
      arbitrary: fc.tuple(anyPath, weirdValue).map(
        ([p, v]): MakeBody =>
          (tpl) =>
            json(setPath(tpl, p, v)),
      ),
      weight: 8,
    },
    // a hostile extra key (prototype pollution included) at a random depth
    {
      arbitrary: fc.tuple(anyPath, fc.oneof(fc.constantFrom(...POLLUTING_KEYS), weirdString), weirdValue).map(
        ([p, k, v]): MakeBody =>
          (tpl) =>
            json(setPath(tpl, [...p.slice(0, -1), k], v)),
      ),
      weight: 2,
    },
    // raw JSON with duplicate keys, a polluting key spelled out in the text
    fc.tuple(anyPath, weirdValue).map(([p, v]): MakeBody => (tpl) => {
      const base = JSON.stringify(tpl);
      const key = JSON.stringify(p[0] ?? 'x');
      return { kind: 'json', text: `{${key}:${JSON.stringify(v) ?? 'null'},"__proto__":{"polluted":"yes"},${base.slice(1)}` };
    }),
    // anything at all
    fc.jsonValue({ maxDepth: 4 }).map((v) => constant(json(v))),
    deepJson.map((text) => constant({ kind: 'json', text })),
    fc.constantFrom('', '{', 'nul', '{"a":1,}', '\u0000', '[]', '"string"', '1', 'null', '{"a":1}{"b":2}').map((text) => constant({ kind: 'json', text })),
    fc.constant(constant({ kind: 'none' })),
    // a form body where the route takes none (415) or takes one (the worker submit)
    fc
      .dictionary(
        fc.oneof(
          weirdString.filter((x) => x.length < 200),
          fc.constantFrom(...POLLUTING_KEYS, 'token', 'return_to', 'parameter'),
        ),
        weirdString.filter((x) => x.length < 5000),
        { maxKeys: 6 },
      )
      .map((fields) => constant({ kind: 'form', fields })),
  ];
  if (t.forms) {
    // the valid form (the template's string fields) with one field hostile or one added
    options.push(
      {
        arbitrary: fc
          .tuple(
            fc.oneof(fc.constantFrom(...Object.keys(shape)), fc.constantFrom(...POLLUTING_KEYS, 'parameter', 'return_to')),
            weirdString.filter((x) => x.length < 5000),
            fc.boolean(),
          )
          .map(([k, v, multipart]): MakeBody => (tpl) => {
            const fields: Record<string, string> = {};
            for (const [fk, fv] of Object.entries(tpl)) if (typeof fv === 'string') fields[fk] = fv;
            fields[k] = v;
            return multipart ? { kind: 'multipart', fields, file: false } : { kind: 'form', fields };
          }),
        weight: 4,
      },
      fc
        .tuple(
          fc.dictionary(
            fc.oneof(
              fc.string({ minLength: 1, maxLength: 40 }).filter((x) => !/["\r\n]/.test(x)),
              fc.constantFrom(...POLLUTING_KEYS, 'parameter', 'return_to'),
            ),
            weirdString.filter((x) => x.length < 5000),
            { maxKeys: 5 },
          ),
          fc.boolean(),
        )
        .map(([fields, file]) => constant({ kind: 'multipart', fields, file })),
    );
  }
  return fc.oneof(...options);
}

/** sometimes (1 case in 10) the path's ids are replaced by hostile ones; the rest aim at real records */
const weirdId = fc.constantFrom(
  '0',
  '-1',
  '1.5',
  '1e3',
  '99999999999999999999',
  '9223372036854775808',
  'abc',
  '%2e%2e',
  '%00',
  '__proto__',
  'constructor',
  '%F0%9F%92%A9',
  'x'.repeat(3000),
  '1;DROP TABLE users',
);
const maybeBadId = fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: weirdId, weight: 1 });

describe('hostile input to every write endpoint', () => {
  let cases = 0;
  let rejected = 0;
  let badIds = 0;
  const byStatus: Record<number, number> = {};
  /** statuses of the cases that aimed at a real record (no hostile path id) */
  const realByStatus: Record<number, number> = {};
  let tables: string[] = [];
  let watch: WriteWatch;

  beforeAll(async () => {
    // no webhook retries: a failed attempt is final, so background work ends (waitForBackgroundIdle)
    s = await startTestServer({ rateLimitPerMinute: 10_000_000, webhookRetryScheduleSeconds: [], webhookTimeoutMs: 2000 });
    owner = await registerUser(s.http, uniqueEmail('fuzz-owner'));
    member = await registerUser(s.http, uniqueEmail('fuzz-member'));
    invitee = await registerUser(s.http, uniqueEmail('fuzz-invitee'));
    const guild = await createGuild(s.http, owner, { input_parameters: ['q'] });
    const ws = await createWorkspace(s.http, owner);
    // long leases: no claim lapses (a background write) during the run
    const t1 = await createTask(s.http, owner, guild.id, { name: 'a', minimum_amount_cents: 50, workspace_id: ws.id, lease_seconds: 86_400 });
    const t2 = await createTask(s.http, owner, guild.id, { name: 'b', minimum_amount_cents: 2 });
    await addMember(s.http, owner, guild.id, member);
    await subscribe(s.http, member, t1.id);
    ok(await asOwner(s.http.post('/api/payment_methods')).send({ source: 'tok_visa' }), 201, 'card');
    // enough open work for every claim the claim, submit, release and claim-next targets make
    const work = RUNS * 5 + 50;
    const paid = ok(
      await asOwner(s.http.post(`/api/guilds/${guild.id}/batches`)).send({ batch: { data: Array.from({ length: work }, (_x, n) => ({ q: `p${n}` })) } }),
      201,
      'paid batch',
    );
    ok(await asOwner(s.http.post(`/api/batches/${paid.id}/debits`)), 201, 'pay');
    const t3 = await createTask(s.http, owner, guild.id, { name: 'c', minimum_amount_cents: 2 }); // its subscription is the one the DELETE target removes
    const goldTask = ok(
      await asOwner(s.http.post(`/api/guilds/${guild.id}/tasks`)).send({
        name: 'gold',
        minimum_amount_cents: 2,
        quality: { answer: 'label', labels: ['cat', 'dog'], overlap: { max: 3 }, gold_rate: 0.1 },
      }),
      201,
      'gold task',
    );
    ids = { guild: guild.id, task: t1.id, task2: t2.id, task3: t3.id, goldTask: goldTask.id } as Ids;
    await fresh.submitted(); // the member earns 50¢, so payouts can be requested
    const wallets = ok(await asMember(s.http.get('/api/wallets')), 200, 'wallets');
    ids.wallet = wallets.data.find((w: Wire) => w.guild_id === guild.id).id;
    for (const make of [
      fresh.gold,
      fresh.subscription,
      fresh.connection,
      fresh.invite,
      fresh.unpaid,
      fresh.assignment,
      fresh.payout,
      fresh.apiKey,
      fresh.member,
    ])
      await make();
    for (const [k, v] of Object.entries(ids)) if (k !== 'submittedToken') expect({ [k]: v }).toEqual({ [k]: expect.stringMatching(/^\d+$/) });

    // Every committed row change is counted, per table, in the transaction that makes it: a
    // rejected request must leave the counts as they were (test/support/write-watch.ts).
    watch = await watchWrites(s);
    tables = watch.tables;
  }, 180_000);

  afterAll(async () => {
    const share = (m: Record<number, number>) => {
      const n = Object.values(m).reduce((a, b) => a + b, 0);
      return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, `${v} (${((100 * v) / Math.max(n, 1)).toFixed(1)}%)`]));
    };
    writeFigures('hostile input', {
      seed: SEED,
      runsPerTarget: RUNS,
      cases,
      rejected,
      endpoints: TARGETS.length,
      tablesWatched: tables.length,
      casesWithHostileId: badIds,
      byStatus,
      // the share of each 4xx among the rejected cases (docs/reliability.md quotes it)
      rejectedByStatus: share(Object.fromEntries(Object.entries(byStatus).filter(([k]) => Number(k) >= 400))),
      byStatusRealRecord: share(realByStatus),
    });
    await s?.close();
  });

  /** Committed row changes so far by table:op, and the file store: compared around a rejected request. */
  const state = () => watch.state();

  it('watches every table the migrations made (listed from the database) and the file store', async () => {
    expect(tables.length).toBeGreaterThanOrEqual(20);
    for (const t of [
      'graphile_worker._private_jobs',
      'public.invites',
      'public.migrations',
      'public.files',
      'public.ledger_transactions',
      'public.webhook_deliveries',
    ])
      expect(tables).toContain(t);
    // the file store is where uploads land: one upload shows up in the state
    const before = await state();
    const up = await asOwner(s.http.post(`/api/batches/${ids.unpaid}/files`))
      .field('parameter', 'q')
      .attach('file', Buffer.from('fuzz bytes'), 'f.txt');
    expect(up.status).toBe(201);
    expect(await state()).not.toEqual(before);
  });

  it('regressions the fuzzer found: each is a 4xx in the error shape, never a 500', async () => {
    const cases: Array<[string, string, string, number]> = [
      ['patch', `/api/tasks/${ids.task}`, '{"name":null}', 422],
      ['patch', `/api/guilds/${ids.guild}`, '{"name":null,"description":null,"input_parameters":null}', 422],
      ['post', '/api/payment_methods', '{"source":"x"}', 422],
      ['post', '/api/payment_methods', '{"source":" "}', 422],
      ['post', '/api/guilds', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), 400],
      ['post', `/api/guilds/${ids.guild}/batches`, '{"batch":{"data":[' + '['.repeat(3000) + ']'.repeat(3000) + ']}}', 400],
    ];
    for (const [method, p, text, status] of cases) {
      const send = (s.http as unknown as Record<string, (p: string) => request.Test>)[method].bind(s.http);
      const res = await send(p).set('Authorization', owner.auth).set('Content-Type', 'application/json').send(text);
      expect({ p, status: res.status, type: res.body.type }).toEqual({ p, status, type: status === 400 ? 'BadRequest' : 'InvalidParameters' });
    }
  });

  it('covers every write route the app has', () => {
    const writeRoutes = discoverRoutes(s.app).filter((r) => /^(POST|PATCH|PUT|DELETE) /.test(r));
    const fuzzed = new Set(TARGETS.map((t) => t.route));
    expect(writeRoutes.filter((r) => !fuzzed.has(r))).toEqual([]);
  });

  it.each(TARGETS.map((t) => [`${t.route} as ${t.who}`, t] as const))(
    '%s',
    async (_name, t) => {
      const [method] = t.route.split(' ');
      let consumed = false;
      let known: string | undefined;
      await fc.assert(
        fc.asyncProperty(bodyArb(t, t.template?.(ids) ?? {}), maybeBadId, async (makeBody, badId) => {
          // an accepted request used up the record: aim the next case at a fresh one
          if (consumed && t.fresh) {
            await t.fresh();
            known = undefined;
          }
          consumed = false;
          cases++;
          const body = makeBody(t.template?.(ids) ?? {});
          let p = t.path(ids);
          if (badId !== null) {
            badIds++;
            p = p.replace(/\/\d+(?=\/|$)/, `/${badId}`);
          }
          let req = (s.http as unknown as Record<string, (p: string) => request.Test>)[method.toLowerCase()](p).set('Accept', 'application/json');
          const caller = callers()[t.who];
          if (caller) req = req.set('Authorization', caller.auth);
          if (body.kind === 'json') req = req.set('Content-Type', 'application/json').send(body.text);
          else if (body.kind === 'form') req = req.type('form').send(new URLSearchParams(body.fields).toString());
          else if (body.kind === 'multipart') {
            for (const [k, v] of Object.entries(body.fields)) req = req.field(k, v);
            if (body.file) req = req.attach('file', Buffer.from('bytes'), 'f.txt');
          }
          // the state after the last rejected case still holds unless a fresh record was made since
          const before = known ?? (await state());
          known = undefined;
          const res = await req;
          byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
          if (badId === null) realByStatus[res.status] = (realByStatus[res.status] ?? 0) + 1;
          expect(Object.prototype).not.toHaveProperty('polluted');
          if (res.status >= 500)
            throw new Error(`${res.status} for ${method} ${p.slice(0, 200)} ${JSON.stringify(body).slice(0, 500)}: ${res.text.slice(0, 300)}`);
          if (res.status < 400) {
            consumed = true;
            return;
          }
          rejected++;
          const isHtml = /text\/html/.test(res.headers['content-type'] ?? ''); // a browser form to submit_to is answered with a page
          if (!isHtml) expect(res.body).toEqual(expect.objectContaining({ error: expect.any(String), type: expect.any(String), status: res.status }));
          const after = await state();
          known = after;
          if (after !== before) {
            throw new Error(
              `rejected ${res.status} changed state: ${before} → ${after} for ${method} ${p.slice(0, 200)} ${JSON.stringify(body).slice(0, 300)}`,
            );
          }
        }),
        { numRuns: RUNS, seed: SEED },
      );
    },
    600_000,
  );

  it('ran every planned case, and most of them aimed at real records and got past the lookup', async () => {
    expect(cases).toBeGreaterThanOrEqual(RUNS * TARGETS.length);
    if (RANDOM && !process.env.OG_FUZZ_RUNS) expect(cases).toBeGreaterThanOrEqual(10_000);
    const real = Object.values(realByStatus).reduce((a, b) => a + b, 0);
    expect(real / cases).toBeGreaterThan(0.75);
    // a case on a real record is rarely a 404: its body was read and judged
    expect((realByStatus[404] ?? 0) / real).toBeLessThan(0.15);
    await expectLedgerInvariant(s);
  });
});
