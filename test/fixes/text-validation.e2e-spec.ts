import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerUser, TestUser } from '../support/fixtures';
import { createGuild } from '../support/guild-fixtures';
import { expectLedgerInvariant } from '../support/ledger';
import { startTestServer, TestServer } from '../support/server';
import { giveCard, setUpPipeline } from '../support/work-fixtures';

/**
 * Text PostgreSQL cannot store (U+0000, unpaired surrogates) and prototype keys, anywhere in a
 * request: one 422 naming the field, nothing stored (issue 13: 500s on ~21 routes; a `__proto__`
 * datum key silently dropped; the upload route left the file's bytes behind).
 * Bodies are sent as raw JSON text, so `\u0000` and `\ud800` reach the server exactly as written.
 */
describe('text that cannot be stored, and prototype keys: 422 naming the field, nothing stored', () => {
  let s: TestServer;
  let owner: TestUser;
  let guildId: string;
  let batchId: string;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    await giveCard(s, owner);
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'T', minimum_amount_cents: 10 }] });
    guildId = p.guildId;
    batchId = (
      await s.http
        .post(`/api/guilds/${guildId}/batches`)
        .set('Authorization', owner.auth)
        .send({ batch: { data: [{ a: '1' }] } })
    ).body.id;
  });
  afterAll(() => s.close());

  const raw = (method: 'post' | 'patch', url: string, json: string) =>
    s.http[method](url).set('Authorization', owner.auth).set('Content-Type', 'application/json').send(json);

  function expect422(res: { status: number; body: { type: string; details?: Array<{ field: string }> } }, field: string) {
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('InvalidParameters');
    expect(res.body.details?.map((d) => d.field)).toContain(field);
  }

  it.each([
    ['a guild name with U+0000', 'post', '/api/guilds', '{"name":"a\\u0000b","description":"d","input_parameters":[]}', 'name'],
    ['a guild name with a lone high surrogate', 'post', '/api/guilds', '{"name":"a\\ud800b","description":"d","input_parameters":[]}', 'name'],
    [
      'a lone low surrogate in input_parameters',
      'post',
      '/api/guilds',
      '{"name":"n","description":"d","input_parameters":["x\\udc00"]}',
      'input_parameters[0]',
    ],
    ['a workspace name', 'post', '/api/workspaces', '{"name":"w\\u0000","preview":"https://p.example.com","permissions":"open"}', 'name'],
    ['an API key name', 'post', '/api/api_keys', '{"name":"k\\u0000"}', 'name'],
    ["a card source (the fuzzer's case)", 'post', '/api/payment_methods', '{"source":"\\ud800"}', 'source'],
  ] as const)('%s', async (_what, method, url, json, field) => {
    expect422(await raw(method, url, json), field);
  });

  it('a guild PATCH', async () => {
    const g = await createGuild(s.http, owner);
    expect422(await raw('patch', `/api/guilds/${g.id}`, '{"description":"x\\u0000"}'), 'description');
    expect((await s.http.get(`/api/guilds/${g.id}`).set('Authorization', owner.auth)).body.description).toBe('made by a test');
  });

  it('datum keys and values in batch and data routes; nothing is stored', async () => {
    const before = (await s.sql<{ n: string }>('SELECT count(*) AS n FROM batches'))[0].n;
    expect422(await raw('post', `/api/guilds/${guildId}/batches`, '{"batch":{"data":[{"a":"1"},{"k\\u0000":"v"}]}}'), 'batch.data[1].k\\u0000');
    expect422(await raw('post', `/api/guilds/${guildId}/batches`, '{"batch":{"data":[{"a":"\\udfff"}]}}'), 'batch.data[0].a');
    expect422(
      await raw(
        'post',
        `/api/guilds/${guildId}/batches`,
        '{"batch":{"data":[{"a":"1"}],"webhooks":[{"destination":"https://h.example.com","secret":"s\\u0000"}]}}',
      ),
      'batch.webhooks[0].secret',
    );
    expect((await s.sql<{ n: string }>('SELECT count(*) AS n FROM batches'))[0].n).toBe(before);
    expect422(await raw('post', `/api/batches/${batchId}/data`, '{"a":"x\\u0000y"}'), 'a');
    expect422(await raw('post', `/api/batches/${batchId}/data`, '{"data":[{"a":"ok"},{"a":"\\ud83d"}]}'), 'data[1].a');
    expect((await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body.data).toHaveLength(1);
  });

  it('"__proto__" (and other prototype keys) as a datum key is refused, not silently dropped', async () => {
    expect422(await raw('post', `/api/guilds/${guildId}/batches`, '{"batch":{"data":[{"a":"1","__proto__":{"x":1}}]}}'), 'batch.data[0].__proto__');
    expect422(await raw('post', `/api/batches/${batchId}/data`, '{"__proto__":"v"}'), '__proto__');
    expect422(await raw('post', `/api/batches/${batchId}/data`, '{"constructor":"v"}'), 'constructor');
    expect((await s.http.get(`/api/batches/${batchId}`).set('Authorization', owner.auth)).body.data).toHaveLength(1);
  });

  it('query strings: members/find?email=a%00b', async () => {
    expect422(await s.http.get(`/api/guilds/${guildId}/members/find?email=a%00b`).set('Authorization', owner.auth), 'email');
  });

  it('form fields: a urlencoded submit to submit_to', async () => {
    const res = await s.http.post('/api/assignments/1/submit?token=ogs_x').type('form').send('answer=a%00b');
    expect422(res, 'answer');
  });

  it('upload fields: refused before the bytes are stored', async () => {
    const filesDir = path.join(s.config.dataDir, 'files');
    const res = await s.http
      .post(`/api/batches/${batchId}/files`)
      .set('Authorization', owner.auth)
      .field('label', 'a\u0000b')
      .attach('file', Buffer.from('some bytes that must not stay'), 'x.txt');
    expect422(res, 'label');
    const stored = fs.existsSync(filesDir)
      ? fs.readdirSync(filesDir, { recursive: true }).filter((f) => fs.statSync(path.join(filesDir, String(f))).isFile())
      : [];
    expect(stored).toEqual([]);
    expect((await s.sql<{ n: string }>('SELECT count(*) AS n FROM file_blobs'))[0].n).toBe('0');
    // a good upload still works
    const ok = await s.http
      .post(`/api/batches/${batchId}/files`)
      .set('Authorization', owner.auth)
      .field('label', 'fine')
      .attach('file', Buffer.from('bytes'), 'y.txt');
    expect(ok.status).toBe(201);
    await expectLedgerInvariant(s);
  });
});
