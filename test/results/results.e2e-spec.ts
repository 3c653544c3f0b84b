import * as http from 'node:http';
import { parse } from 'csv-parse/sync';
import { registerUser, TestUser } from '../support/fixtures';
import { giveCard, setUpPipeline } from '../support/work-fixtures';
import { startTestServer, TestServer } from '../support/server';
import { eventually } from '../support/webhook-receiver';
import { claimAndSubmit, createBatch, pay, worker } from './helpers';

type Wire = Record<string, any>;

/** The CSV cell of a parameter value (docs/results.md): strings as is, numbers/booleans as JSON, null/absent empty. */
const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));

describe('results (API.md §13.1, §13.2) and cursors (§1.1)', () => {
  let s: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  let batchId: string;
  let taskIds: string[];
  let member: TestUser;
  const NOTE = 'a "quoted", value\nwith a second line, ünïcode';

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    stranger = await registerUser(s.http);
    await giveCard(s, owner);
    const p = await setUpPipeline(s, owner, {
      input_parameters: ['image_url'],
      tasks: [
        { name: 'Describe', minimum_amount_cents: 5 },
        { name: 'Check', minimum_amount_cents: 3 },
      ],
      connections: [[0, 1]],
    });
    taskIds = p.taskIds;
    // `answer` collides with a fixed CSV column; `note` needs quoting
    const data = Array.from({ length: 7 }, (_, i) => ({ image_url: `https://img.example.com/${i}.png`, ...(i % 2 ? { note: NOTE } : { answer: i }) }));
    batchId = await createBatch(s.http, owner, p.guildId, data);
    await pay(s.http, owner, batchId);
    const w = await worker(s.http, owner, p.guildId, taskIds);
    member = w;
    for (let i = 0; i < 7; i++) expect(await claimAndSubmit(s.http, w, taskIds[0], (d) => ({ shade: `red ${d.id}` }))).toBeTruthy();
    for (let i = 0; i < 3; i++) expect(await claimAndSubmit(s.http, w, taskIds[1], () => ({ checked: true, score: 0.5 }))).toBeTruthy();
  }, 180_000);
  afterAll(() => s?.close());

  const get = (path: string, who: TestUser = owner) => s.http.get(path).set('Authorization', who.auth);

  async function allResults(): Promise<Wire[]> {
    const res = await get(`/api/batches/${batchId}/results`);
    expect(res.status).toBe(200);
    return res.body.data;
  }

  it('lists one Result per datum and task, ascending ids, with its answers', async () => {
    const res = await get(`/api/batches/${batchId}/results`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'List', url: `/api/batches/${batchId}/results`, has_more: false, page: 1, data: expect.any(Array) });
    const results: Wire[] = res.body.data;
    expect(results).toHaveLength(14);
    const ids = results.map((r) => BigInt(r.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    const workItems = await s.sql<{ id: string }>('SELECT id FROM work_items WHERE batch_id = $1 ORDER BY id', [batchId]);
    expect(results.map((r) => r.id)).toEqual(workItems.map((w) => String(w.id)));

    const answered = results.filter((r) => r.answers_count === 1);
    expect(answered).toHaveLength(10);
    const first = results[0];
    expect(first).toEqual({
      object: 'Result',
      id: expect.stringMatching(/^\d+$/),
      datum_id: expect.stringMatching(/^\d+$/),
      task_id: taskIds[0],
      answer: null,
      confidence: null,
      method: null,
      answers_count: 1,
      answers: [
        {
          submission_id: expect.stringMatching(/^\d+$/),
          member_id: expect.stringMatching(/^\d+$/),
          value: null,
          status: 'approved',
          seconds: expect.any(Number),
          parameters: { shade: `red ${first.datum_id}` },
        },
      ],
      parameters: expect.objectContaining({ image_url: 'https://img.example.com/0.png', shade: `red ${first.datum_id}` }),
    });
    expect(first.answers[0].seconds).toBeGreaterThanOrEqual(0);
    const waiting = results.filter((r) => r.answers_count === 0);
    expect(waiting).toHaveLength(4);
    for (const r of waiting) expect(r).toEqual(expect.objectContaining({ task_id: taskIds[1], answer: null, answers: [] }));
  });

  it('a cursor walk gives the same results as a page walk', async () => {
    const byPage: Wire[] = [];
    for (let page = 1; ; page++) {
      const res = await get(`/api/batches/${batchId}/results?limit=3&page=${page}`);
      expect(res.status).toBe(200);
      byPage.push(...res.body.data);
      if (!res.body.has_more) break;
    }
    const byCursor: Wire[] = [];
    let after: string | undefined;
    for (;;) {
      const res = await get(`/api/batches/${batchId}/results?limit=3${after ? `&starting_after=${after}` : ''}`);
      expect(res.status).toBe(200);
      byCursor.push(...res.body.data);
      if (!res.body.has_more) break;
      after = res.body.data[res.body.data.length - 1].id;
    }
    expect(byCursor).toEqual(byPage);
    expect(byCursor).toEqual(await allResults());
  });

  it('refuses an unknown cursor, a cursor with page, and other tenants', async () => {
    const other = await get(`/api/batches/${batchId}/results?starting_after=999999999`);
    expect(other.status).toBe(422);
    expect(other.body).toEqual(expect.objectContaining({ type: 'InvalidParameters', details: [expect.objectContaining({ field: 'starting_after' })] }));
    const first = (await allResults())[0].id;
    const both = await get(`/api/batches/${batchId}/results?starting_after=${first}&page=2`);
    expect(both.status).toBe(422);
    expect(both.body.details[0].field).toBe('starting_after');
    expect((await get(`/api/batches/${batchId}/results?starting_after=abc`)).status).toBe(422);
    expect((await get(`/api/batches/${batchId}/results`, stranger)).status).toBe(404);
    expect((await get(`/api/batches/${batchId}/results?format=csv`, stranger)).status).toBe(404);
    expect((await get(`/api/batches/${batchId}/results?format=xml`)).status).toBe(422);
  });

  it('cursors on the other long lists: data, a datum history, wallet transactions, assignments', async () => {
    const walk = async (base: string, who: TestUser = owner) => {
      const pages: Wire[] = [];
      for (let page = 1; ; page++) {
        const res = await get(`${base}${base.includes('?') ? '&' : '?'}limit=2&page=${page}`, who);
        expect(res.status).toBe(200);
        pages.push(...res.body.data);
        if (!res.body.has_more) break;
      }
      const cursor: Wire[] = [];
      let after: string | undefined;
      for (;;) {
        const res = await get(`${base}${base.includes('?') ? '&' : '?'}limit=2${after ? `&starting_after=${after}` : ''}`, who);
        expect(res.status).toBe(200);
        cursor.push(...res.body.data);
        if (!res.body.has_more) break;
        after = res.body.data[res.body.data.length - 1].id;
      }
      expect(cursor).toEqual(pages);
      expect((await get(`${base}${base.includes('?') ? '&' : '?'}starting_after=999999999`, who)).status).toBe(422);
      return cursor;
    };
    expect(await walk(`/api/batches/${batchId}/data`)).toHaveLength(7);
    const datum = (await allResults())[0].datum_id;
    expect(await walk(`/api/data/${datum}/history`)).toHaveLength(2);
    const wallets = (await get('/api/wallets')).body.data as Wire[];
    const withTx = wallets.find((w) => (w.transactions ?? []).length > 0)!;
    expect((await walk(`/api/wallets/${withTx.id}/transactions`)).length).toBeGreaterThan(0);
    expect(await walk('/api/assignments', member)).toHaveLength(10);
    expect(await walk('/api/assignments?status=submitted', member)).toHaveLength(10);
  });

  it('CSV: the header of §13.2 and rows that parse back to the JSON results', async () => {
    const res = await s.http
      .get(`/api/batches/${batchId}/results?format=csv`)
      .set('Authorization', owner.auth)
      .buffer(true)
      .parse((r, cb) => {
        let t = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (t += c));
        r.on('end', () => cb(null, t));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows: string[][] = parse(res.body as string);
    const header = rows[0];
    expect(header).toEqual(['image_url', 'param.answer', 'checked', 'note', 'score', 'shade', 'task_id', 'answer', 'confidence', 'answers_count']);
    const results = await allResults();
    expect(rows.slice(1)).toHaveLength(results.length);
    const keyOf = (name: string) => (name.startsWith('param.') ? name.slice(6) : name);
    results.forEach((r, i) => {
      const row = rows[i + 1];
      const params = header.slice(0, -4).map((h) => cell(r.parameters[keyOf(h)]));
      expect(row).toEqual([...params, r.task_id, cell(r.answer), cell(r.confidence), String(r.answers_count)]);
    });
    expect(rows.some((r) => r.includes(NOTE))).toBe(true);

    // chosen by Accept as well
    const byAccept = await s.http
      .get(`/api/batches/${batchId}/results`)
      .set('Authorization', owner.auth)
      .set('Accept', 'text/csv')
      .buffer(true)
      .parse((r, cb) => {
        let t = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (t += c));
        r.on('end', () => cb(null, t));
      });
    expect(byAccept.status).toBe(200);
    expect(byAccept.body).toBe(res.body);
  });

  const text = (path: string, accept?: string) => {
    const req = s.http.get(path).set('Authorization', owner.auth);
    if (accept) req.set('Accept', accept);
    return req.buffer(true).parse((r, cb) => {
      let t = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (t += c));
      r.on('end', () => cb(null, t));
    });
  };

  it('JSON Lines: one Result per line, the same as the List', async () => {
    const res = await text(`/api/batches/${batchId}/results`, 'application/x-ndjson');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = (res.body as string).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(await allResults());
  });

  it('answers=true: one row per answer, in CSV and JSON Lines', async () => {
    const csv = await text(`/api/batches/${batchId}/results?format=csv&answers=true`);
    expect(csv.status).toBe(200);
    const rows: string[][] = parse(csv.body as string);
    expect(rows[0]).toEqual(['datum_id', 'task_id', 'member_id', 'value', 'status', 'seconds']);
    const [{ n }] = await s.sql<{ n: string }>('SELECT count(*) AS n FROM submissions s JOIN data d ON d.id = s.datum_id WHERE d.batch_id = $1', [batchId]);
    expect(rows.length - 1).toBe(Number(n));
    expect(rows.length - 1).toBe(10);
    const results = await allResults();
    const expected = results.flatMap((r) => r.answers.map((a: Wire) => [r.datum_id, r.task_id, a.member_id, cell(a.value), a.status, String(a.seconds)]));
    expect(rows.slice(1)).toEqual(expected);
    const jsonl = await text(`/api/batches/${batchId}/results?format=jsonl&answers=true`);
    const lines = (jsonl.body as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(10);
    expect(lines[0]).toEqual({
      object: 'Answer',
      result_id: results[0].id,
      datum_id: results[0].datum_id,
      task_id: results[0].task_id,
      submission_id: results[0].answers[0].submission_id,
      member_id: results[0].answers[0].member_id,
      value: null,
      status: 'approved',
      seconds: expect.any(Number),
    });
  });

  it('an export streams from a server-side cursor; a client that disconnects stops the query', async () => {
    // a large batch, filled with SQL: 60,000 data at one task
    const [{ guild_id, owner_id }] = await s.sql<{ guild_id: string; owner_id: string }>('SELECT guild_id, owner_id FROM batches WHERE id = $1', [batchId]);
    const [{ id: big }] = await s.sql<{ id: string }>(
      `INSERT INTO batches (guild_id, owner_id, status, cost_cents, data_count) VALUES ($1, $2, 'processing', 0, 60000) RETURNING id`,
      [guild_id, owner_id],
    );
    await s.sql(
      `WITH d AS (INSERT INTO data (batch_id, status, parameters, open_work_count)
                  SELECT $1, 'processing', jsonb_build_object('image_url', 'https://img.example.com/big/' || g, 'pad', repeat('x', 200)), 1 FROM generate_series(1, 60000) g RETURNING id)
       INSERT INTO work_items (batch_id, datum_id, task_id, status, reward_cents) SELECT $1, d.id, $2, 'open', 0 FROM d`,
      [big, taskIds[0]],
    );
    await s.sql('ANALYZE data; ANALYZE work_items');
    const exportRunning = () =>
      s.sql<{ pid: number; state: string }>(
        `SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '/* results export: csv */%' AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
    // a client that reads one chunk, then stalls: the server stops fetching (backpressure) with the query open
    const url = new URL(`${s.url}/api/batches/${big}/results?format=csv`);
    const req = http.get(url, { headers: { authorization: owner.auth } });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => req.on('response', resolve).on('error', reject));
    expect(res.statusCode).toBe(200);
    await new Promise<void>((resolve) => res.once('data', () => resolve()));
    res.pause();
    const during = await eventually(async () => ((await exportRunning()).length > 0 ? await exportRunning() : undefined));
    expect(during.length).toBe(1);
    // server memory stays bounded meanwhile: it does not read ahead of the client
    req.destroy();
    await eventually(async () => (await exportRunning()).length === 0);
    // the pool is fine afterwards
    expect((await get(`/api/batches/${batchId}/results?limit=1`)).status).toBe(200);
    // and the whole export completes for a client that reads it
    const whole = await text(`/api/batches/${big}/results?format=csv`);
    expect(whole.status).toBe(200);
    expect(parse(whole.body as string)).toHaveLength(60001);
  });
});
