// Promise: hostile input to every write endpoint (POST/PATCH/DELETE) never causes a 5xx, is always answered in the error shape, and a rejected request changes no stored state.
import fc from 'fast-check';
import request from 'supertest';
import { registerUser, TestUser, uniqueEmail } from '../support/fixtures';
import { addMember, connectTasks, createGuild, createTask, createWorkspace, subscribe } from '../support/guild-fixtures';
import { startTestServer, TestServer } from '../support/server';
import { discoverRoutes } from './routes';
import { writeFigures } from './figures';

type Wire = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RUNS = Number(process.env.OG_FUZZ_RUNS ?? 290); // per endpoint; × 36 targets > 10,000

/** The records the fuzzed requests aim at (valid ids, so the body validation is reached). */
interface Ids {
  guild: string; task: string; task2: string; connection: string; member: string; invite: string;
  unpaid: string; datum: string; webhook: string; assignment: string; wallet: string; payout: string; apiKey: string; gold: string;
}

interface Target {
  route: string;
  who: 'anon' | 'owner' | 'member';
  path: (ids: Ids) => string;
  /** a valid body; the fuzzer mutates it */
  template?: Record<string, unknown>;
  /** also fuzz with form / multipart bodies */
  forms?: boolean;
}

const PARAMS = { q: 'x' };
const TARGETS: Target[] = [
  { route: 'POST /api/register', who: 'anon', path: () => '/api/register', template: { email: 'a@example.com', password: 'long enough pw', password_confirmation: 'long enough pw' } },
  { route: 'POST /api/api_keys', who: 'owner', path: () => '/api/api_keys', template: {} },
  { route: 'POST /api/guilds', who: 'owner', path: () => '/api/guilds', template: { name: 'g', description: 'd', input_parameters: ['q'] } },
  { route: 'PATCH /api/guilds/:id', who: 'owner', path: (i) => `/api/guilds/${i.guild}`, template: { name: 'g', description: 'd', input_parameters: ['q'] } },
  { route: 'POST /api/workspaces', who: 'owner', path: () => '/api/workspaces', template: { name: 'w', preview: 'https://w.example.com', permissions: 'open' } },
  { route: 'POST /api/guilds/:gid/tasks', who: 'owner', path: (i) => `/api/guilds/${i.guild}/tasks`, template: { name: 't', minimum_amount_cents: 1, lease_seconds: 60 } },
  { route: 'PATCH /api/tasks/:id', who: 'owner', path: (i) => `/api/tasks/${i.task}`, template: { name: 't', minimum_amount_cents: 1, lease_seconds: 60 } },
  { route: 'PATCH /api/tasks/:id', who: 'owner', path: (i) => `/api/tasks/${i.task}`, template: { quality: { answer: 'label', labels: ['a', 'b'], overlap: { min: 1, max: 3, confidence: 0.9 }, gold_rate: 0.1, qualification: { gold: 2, min_accuracy: 0.5 }, review: { mode: 'manual' }, auto_reject: ['consensus'] } } },
  { route: 'POST /api/tasks/:id/gold', who: 'owner', path: (i) => `/api/tasks/${i.task2}/gold`, template: { data: [{ parameters: PARAMS, answer: 'yes' }] } },
  { route: 'POST /api/guilds/:gid/connections', who: 'owner', path: (i) => `/api/guilds/${i.guild}/connections`, template: { source: '1', target: '2' } },
  { route: 'DELETE /api/connections/:id', who: 'owner', path: (i) => `/api/connections/${i.connection}` },
  { route: 'POST /api/guilds/:gid/invites', who: 'owner', path: (i) => `/api/guilds/${i.guild}/invites`, template: { email: 'i@example.com' } },
  { route: 'POST /api/invites/:id/accept', who: 'member', path: (i) => `/api/invites/${i.invite}/accept`, template: {} },
  { route: 'DELETE /api/invites/:id', who: 'owner', path: (i) => `/api/invites/${i.invite}` },
  { route: 'POST /api/tasks/:id/subscriptions', who: 'member', path: (i) => `/api/tasks/${i.task2}/subscriptions`, template: {} },
  { route: 'DELETE /api/tasks/:id/subscriptions', who: 'member', path: (i) => `/api/tasks/${i.task}/subscriptions` },
  { route: 'POST /api/guilds/:gid/batches', who: 'owner', path: (i) => `/api/guilds/${i.guild}/batches`, template: { batch: { data: [PARAMS], webhooks: [{ destination: 'https://h.example.com', secret: 's' }] } } },
  { route: 'POST /api/guild/:gid/batch', who: 'owner', path: (i) => `/api/guild/${i.guild}/batch`, template: { batch: { data_attributes: [{ parameters_attributes: [{ key: 'q', value: 'v' }] }], webhooks_attributes: [{ destination: 'https://h.example.com', secret: 's' }] } } },
  { route: 'POST /api/batches/:id/data', who: 'owner', path: (i) => `/api/batches/${i.unpaid}/data`, template: { data: [PARAMS] } },
  { route: 'DELETE /api/data/:id', who: 'owner', path: (i) => `/api/data/${i.datum}` },
  { route: 'POST /api/batches/:id/files', who: 'owner', path: (i) => `/api/batches/${i.unpaid}/files`, template: { parameter: 'file_url' }, forms: true },
  { route: 'POST /api/batches/:id/webhooks', who: 'owner', path: (i) => `/api/batches/${i.unpaid}/webhooks`, template: { destination: 'https://h.example.com', secret: 's' } },
  { route: 'DELETE /api/webhooks/:id', who: 'owner', path: (i) => `/api/webhooks/${i.webhook}` },
  { route: 'POST /api/webhooks/:id/redeliver', who: 'owner', path: (i) => `/api/webhooks/${i.webhook}/redeliver`, template: {} },
  { route: 'POST /api/tasks/:id/claims', who: 'member', path: (i) => `/api/tasks/${i.task}/claims`, template: {} },
  { route: 'POST /api/assignments/:id/release', who: 'member', path: (i) => `/api/assignments/${i.assignment}/release`, template: {} },
  { route: 'POST /api/assignments/:id/submit', who: 'member', path: (i) => `/api/assignments/${i.assignment}/submit`, template: { parameters: { answer: 'a' } }, forms: true },
  { route: 'POST /api/wallets/:id/payouts', who: 'member', path: (i) => `/api/wallets/${i.wallet}/payouts`, template: { amount_cents: 1 } },
  { route: 'POST /api/payouts/:id/approve', who: 'owner', path: (i) => `/api/payouts/${i.payout}/approve`, template: {} },
  { route: 'POST /api/payouts/:id/decline', who: 'owner', path: (i) => `/api/payouts/${i.payout}/decline`, template: {} },
  { route: 'POST /api/payment_methods', who: 'owner', path: () => '/api/payment_methods', template: { source: 'tok_visa' } },
  { route: 'PATCH /api/guilds/:id', who: 'member', path: (i) => `/api/guilds/${i.guild}`, template: { name: 'g' } },
  { route: 'POST /work/claim-next', who: 'anon', path: () => '/work/claim-next', template: { assignmentId: '1', token: 'x' }, forms: true },
  // the destructive ones last, so the others find their records alive
  { route: 'DELETE /api/gold/:id', who: 'owner', path: (i) => `/api/gold/${i.gold}` },
  { route: 'DELETE /api/batches/:id', who: 'owner', path: (i) => `/api/batches/${i.unpaid}` },
  { route: 'POST /api/batches/:id/debits', who: 'owner', path: (i) => `/api/batches/${i.unpaid}/debits`, template: {} },
  { route: 'DELETE /api/api_keys/:id', who: 'owner', path: (i) => `/api/api_keys/${i.apiKey}` },
  { route: 'DELETE /api/guilds/:gid/members/:id', who: 'owner', path: (i) => `/api/guilds/${i.guild}/members/${i.member}` },
  { route: 'DELETE /api/guild/:gid/members/:id', who: 'owner', path: (i) => `/api/guild/${i.guild}/members/${i.member}` },
  { route: 'DELETE /api/members/:id', who: 'owner', path: (i) => `/api/members/${i.member}` },
];

// ------------------------------------------------------------------ hostile values

const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'];
const hugeString = fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'x'.repeat(n));
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 9223372036854775807, -9223372036854775808, 1e-300),
);
const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\uD800', 'null', 'true', '1e3', '-1', '00001', '99999999999999999999999', '<script>alert(1)</script>', "' OR 1=1 --", '../../etc/passwd', 'https://169.254.169.254/latest', 'javascript:alert(1)', '%00', 'tok_chargeDeclined', ...POLLUTING_KEYS),
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
const deepJson = fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean()).map(([n, arr]) => (arr ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));

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

type Body = { kind: 'json'; text: string } | { kind: 'form'; fields: Record<string, string> } | { kind: 'multipart'; fields: Record<string, string>; file: boolean } | { kind: 'none' };

function bodyArb(t: Target): fc.Arbitrary<Body> {
  const template = t.template ?? {};
  const ps = paths(template);
  const json = (v: unknown): Body => ({ kind: 'json', text: JSON.stringify(v) });
  const options: fc.Arbitrary<Body>[] = [
    // one field replaced by a hostile value
    fc.tuple(fc.constantFrom(...(ps.length ? ps : [['x']])), weirdValue).map(([p, v]) => json(setPath(template, p, v))),
    // a hostile extra key (prototype pollution included) at a random depth
    fc.tuple(fc.constantFrom(...(ps.length ? ps : [['x']])), fc.oneof(fc.constantFrom(...POLLUTING_KEYS), weirdString), weirdValue).map(([p, k, v]) => json(setPath(template, [...p.slice(0, -1), k], v))),
    // raw JSON with duplicate keys, a polluting key spelled out in the text
    fc.tuple(fc.constantFrom(...(ps.length ? ps : [['x']])), weirdValue).map(([p, v]) => {
      const base = JSON.stringify(template);
      const key = JSON.stringify(p[0] ?? 'x');
      return { kind: 'json', text: `{${key}:${JSON.stringify(v) ?? 'null'},"__proto__":{"polluted":"yes"},${base.slice(1)}` } as Body;
    }),
    // anything at all
    fc.jsonValue({ maxDepth: 4 }).map(json),
    deepJson.map((text) => ({ kind: 'json', text }) as Body),
    fc.constantFrom('', '{', 'nul', '{"a":1,}', '\u0000', '[]', '"string"', '1', 'null', '{"a":1}{"b":2}').map((text) => ({ kind: 'json', text }) as Body),
    fc.constant<Body>({ kind: 'none' }),
    // a form body where the route takes none (415) or takes one (the worker submit)
    fc.dictionary(fc.oneof(weirdString.filter((s) => s.length < 200), fc.constantFrom(...POLLUTING_KEYS, 'token', 'return_to', 'parameter')), weirdString.filter((s) => s.length < 5000), { maxKeys: 6 }).map((fields) => ({ kind: 'form', fields }) as Body),
  ];
  if (t.forms) {
    options.push(
      fc.tuple(fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/["\r\n]/.test(s)), fc.constantFrom(...POLLUTING_KEYS, 'parameter', 'return_to')), weirdString.filter((s) => s.length < 5000), { maxKeys: 5 }), fc.boolean()).map(([fields, file]) => ({ kind: 'multipart', fields, file }) as Body),
    );
  }
  return fc.oneof(...options);
}

/** sometimes the path's ids are replaced by hostile ones */
const weirdId = fc.constantFrom('0', '-1', '1.5', '1e3', '99999999999999999999', '9223372036854775808', 'abc', '%2e%2e', '%00', '__proto__', 'constructor', '%F0%9F%92%A9', 'x'.repeat(3000), '1;DROP TABLE users');

describe('hostile input to every write endpoint', () => {
  let s: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let ids: Ids;
  let cases = 0;
  let rejected = 0;
  const byStatus: Record<number, number> = {};

  beforeAll(async () => {
    s = await startTestServer({ rateLimitPerMinute: 10_000_000 });
    owner = await registerUser(s.http, uniqueEmail('fuzz-owner'));
    member = await registerUser(s.http, uniqueEmail('fuzz-member'));
    const guild = await createGuild(s.http, owner, { input_parameters: ['q'] });
    const ws = await createWorkspace(s.http, owner);
    const t1 = await createTask(s.http, owner, guild.id, { name: 'a', minimum_amount_cents: 2, workspace_id: ws.id });
    const t2 = await createTask(s.http, owner, guild.id, { name: 'b', minimum_amount_cents: 2 });
    const conn = await connectTasks(s.http, owner, guild.id, t1.id, t2.id);
    const m = await addMember(s.http, owner, guild.id, member);
    await subscribe(s.http, member, t1.id);
    expect((await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' })).status).toBe(201);
    const paid = await s.http.post(`/api/guilds/${guild.id}/batches`).set('Authorization', owner.auth).send({ batch: { data: Array.from({ length: 20 }, (_x, i) => ({ q: `p${i}` })) } });
    expect((await s.http.post(`/api/batches/${paid.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const first = await s.http.post(`/api/tasks/${t1.id}/claims`).set('Authorization', member.auth);
    expect((await s.http.post(`/api/assignments/${first.body.id}/submit`).set('Authorization', member.auth).send({ parameters: { a: 1 } })).status).toBe(200);
    const live = await s.http.post(`/api/tasks/${t1.id}/claims`).set('Authorization', member.auth);
    const unpaid = await s.http.post(`/api/guilds/${guild.id}/batches`).set('Authorization', owner.auth).send({ batch: { data: [{ q: 'u1' }, { q: 'u2' }], webhooks: [{ destination: 'https://h.example.com', secret: 'fuzz-secret' }] } });
    const [wallet] = await s.sql<{ id: string }>(`SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND user_id = $1`, [member.id]);
    const payout = await s.http.post(`/api/wallets/${wallet.id}/payouts`).set('Authorization', member.auth).send({ amount_cents: 1 });
    const inv = await s.http.post(`/api/guilds/${guild.id}/invites`).set('Authorization', owner.auth).send({ email: uniqueEmail('fuzz-invitee') });
    const key = await s.http.post('/api/api_keys').set('Authorization', owner.auth);
    expect((await s.http.patch(`/api/tasks/${t2.id}`).set('Authorization', owner.auth).send({ quality: { answer: 'answer', labels: ['yes', 'no'] } })).status).toBe(200);
    const gold = await s.http.post(`/api/tasks/${t2.id}/gold`).set('Authorization', owner.auth).send({ data: [{ parameters: { q: 'g' }, answer: 'no' }] });
    ids = {
      guild: guild.id, task: t1.id, task2: t2.id, connection: conn.id, member: m.id, invite: inv.body.id, unpaid: unpaid.body.id, datum: unpaid.body.data[0].id,
      webhook: unpaid.body.webhooks[0].id, assignment: live.body.id, wallet: String(wallet.id), payout: payout.body.id, apiKey: key.body.id,
      gold: gold.body.data[0].id,
    };
    for (const v of Object.values(ids)) expect(v).toMatch(/^\d+$/);

    // Every committed row change is counted, per table, in the transaction that makes it: a
    // rejected request must leave the counts as they were. (Rolled-back writes count nothing.)
    await s.sql(`CREATE TABLE fuzz_writes (tbl text PRIMARY KEY, n bigint NOT NULL DEFAULT 0)`);
    await s.sql(`CREATE FUNCTION fuzz_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO fuzz_writes (tbl, n) VALUES (TG_TABLE_NAME || ':' || TG_OP, 1) ON CONFLICT (tbl) DO UPDATE SET n = fuzz_writes.n + 1;
        RETURN NULL;
      END $$`);
    const tables = await s.sql<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('fuzz_writes', 'migrations', 'jobs')`);
    for (const { t } of tables) await s.sql(`CREATE TRIGGER fuzz_count AFTER INSERT OR UPDATE OR DELETE ON "${t}" FOR EACH ROW EXECUTE FUNCTION fuzz_count()`);
  }, 120_000);

  afterAll(async () => {
    writeFigures('hostile input', { cases, rejected, endpoints: TARGETS.length, byStatus });
    await s?.close();
  });

  /** Rows written since the last call, by table:op, leaving out what background work writes (the invite mailer). */
  async function writes(): Promise<Record<string, number>> {
    const rows = await s.sql<{ tbl: string; n: string }>(`SELECT tbl, n FROM fuzz_writes WHERE tbl <> 'invites:UPDATE' ORDER BY tbl`);
    return Object.fromEntries(rows.map((r) => [r.tbl, Number(r.n)]));
  }

  it('regressions the fuzzer found: each is a 4xx in the error shape, never a 500', async () => {
    const cases: Array<[string, string, string, number]> = [
      ['patch', `/api/tasks/${ids.task}`, '{"name":null}', 422],
      ['patch', `/api/guilds/${ids.guild}`, '{"name":null,"description":null,"input_parameters":null}', 422],
      ['post', '/api/payment_methods', '{"source":"x"}', 422],
      ['post', '/api/payment_methods', '{"source":" "}', 422],
      ['post', '/api/guilds', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), 400],
      ['post', `/api/guilds/${ids.guild}/batches`, '{"batch":{"data":[' + '['.repeat(3000) + ']'.repeat(3000) + ']}}', 400],
    ];
    for (const [method, path, text, status] of cases) {
      const res = await (s.http as unknown as Record<string, (p: string) => request.Test>)[method](path).set('Authorization', owner.auth).set('Content-Type', 'application/json').send(text);
      expect({ path, status: res.status, type: res.body.type }).toEqual({ path, status, type: status === 400 ? 'BadRequest' : 'InvalidParameters' });
    }
  });

  it('covers every write route the app has', () => {
    const writeRoutes = discoverRoutes(s.app).filter((r) => /^(POST|PATCH|PUT|DELETE) /.test(r));
    const fuzzed = new Set(TARGETS.map((t) => t.route));
    expect(writeRoutes.filter((r) => !fuzzed.has(r))).toEqual([]);
  });

  it.each(TARGETS.map((t) => [`${t.route} as ${t.who}`, t] as const))('%s', async (_name, t) => {
    const [method] = t.route.split(' ');
    const auth = t.who === 'owner' ? owner.auth : t.who === 'member' ? member.auth : undefined;
    await fc.assert(
      fc.asyncProperty(bodyArb(t), fc.option(weirdId, { freq: 4 }), async (body, badId) => {
        cases++;
        let path = t.path(ids);
        if (badId !== null) path = path.replace(/\/\d+(?=\/|$)/, `/${badId}`);
        let req = (s.http as unknown as Record<string, (p: string) => request.Test>)[method.toLowerCase()](path).set('Accept', 'application/json');
        if (auth) req = req.set('Authorization', auth);
        if (body.kind === 'json') req = req.set('Content-Type', 'application/json').send(body.text);
        else if (body.kind === 'form') req = req.type('form').send(new URLSearchParams(body.fields).toString());
        else if (body.kind === 'multipart') {
          for (const [k, v] of Object.entries(body.fields)) req = req.field(k, v);
          if (body.file) req = req.attach('file', Buffer.from('bytes'), 'f.txt');
        }
        const before = await writes();
        const res = await req;
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        expect(Object.prototype).not.toHaveProperty('polluted');
        if (res.status >= 500) throw new Error(`${res.status} for ${method} ${path.slice(0, 200)} ${JSON.stringify(body).slice(0, 500)}: ${res.text.slice(0, 300)}`);
        if (res.status >= 400) {
          rejected++;
          const isHtml = /text\/html/.test(res.headers['content-type'] ?? ''); // a browser form to submit_to is answered with a page
          if (!isHtml) expect(res.body).toEqual(expect.objectContaining({ error: expect.any(String), type: expect.any(String), status: res.status }));
          const after = await writes();
          if (JSON.stringify(after) !== JSON.stringify(before)) {
            throw new Error(`rejected ${res.status} changed state: ${JSON.stringify(before)} → ${JSON.stringify(after)} for ${method} ${path.slice(0, 200)} ${JSON.stringify(body).slice(0, 300)}`);
          }
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.OG_FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
  }, 300_000);

  it(`ran at least 10,000 cases in total`, () => {
    if (!process.env.OG_FUZZ_RUNS) expect(cases).toBeGreaterThanOrEqual(10_000);
  });
});
