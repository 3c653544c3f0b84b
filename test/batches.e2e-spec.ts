import { createHash } from 'node:crypto';
import { registerUser, TestUser } from './support/fixtures';
import { addMember, subscribe } from './support/guild-fixtures';
import { giveCard, Pipeline, setUpPipeline } from './support/work-fixtures';
import { startTestServer, TestServer } from './support/server';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('batches and data: create, read, add, delete, files, cancel (unpaid)', () => {
  let s: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  let p: Pipeline;

  beforeAll(async () => {
    s = await startTestServer({ uploadLimitBytes: 64 * 1024 });
    owner = await registerUser(s.http);
    stranger = await registerUser(s.http);
    p = await setUpPipeline(s, owner, {
      input_parameters: ['image_url'],
      tasks: [
        { name: 'Describe', minimum_amount_cents: 150 },
        { name: 'Check', minimum_amount_cents: 50 },
      ],
      connections: [[0, 1]],
    });
  });
  afterAll(() => s.close());

  const create = (body: unknown, guildId = p.guildId, user = owner) =>
    s.http
      .post(`/api/guilds/${guildId}/batches`)
      .set('Authorization', user.auth)
      .send(body as object);

  describe('create', () => {
    it('201 with the Batch of API.md §5.1, priced from the pipeline', async () => {
      const res = await create({
        batch: {
          data: [{ image_url: 'www.images.com/1.png' }, { image_url: 'www.images.com/2.png', n: 3, ok: true }],
          webhooks: [{ destination: 'https://your.service.com/hook', secret: 'secret123' }],
        },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        object: 'Batch',
        id: expect.stringMatching(/^\d+$/),
        guild_id: p.guildId,
        data_count: 2,
        data_completed_count: 0,
        progress: 0,
        completed: false,
        status: 'unpaid',
        cost: '$4.00',
        cost_cents: 400,
        // API.md §11.1 / §11.6: every Batch shows its spent, refunded and gold money
        spent: '$0.00',
        spent_cents: 0,
        refunded: '$0.00',
        refunded_cents: 0,
        gold: '$0.00',
        gold_cents: 0,
        data: [
          {
            object: 'Datum',
            id: expect.any(String),
            batch_id: res.body.id,
            status: 'unpaid',
            parameters: { image_url: 'www.images.com/1.png' },
            created: expect.stringMatching(TIME),
            updated: expect.any(String),
          },
          {
            object: 'Datum',
            id: expect.any(String),
            batch_id: res.body.id,
            status: 'unpaid',
            parameters: { image_url: 'www.images.com/2.png', n: 3, ok: true },
            created: expect.any(String),
            updated: expect.any(String),
          },
        ],
        webhooks: [
          {
            object: 'Webhook',
            id: expect.any(String),
            destination: 'https://your.service.com/hook',
            events: ['batch.completed'],
            created: expect.any(String),
            updated: expect.any(String),
          },
        ],
        created: expect.stringMatching(TIME),
        updated: expect.stringMatching(TIME),
      });
      expect(JSON.stringify(res.body)).not.toContain('secret123');
      expect(Number(res.body.data[0].id)).toBeLessThan(Number(res.body.data[1].id));
    });

    it('accepts the alias route and the Rails nested-attributes form', async () => {
      const res = await s.http
        .post(`/api/guild/${p.guildId}/batch`)
        .set('Authorization', owner.auth)
        .send({
          batch: {
            data_attributes: [
              {
                parameters_attributes: [
                  { key: 'image_url', value: 'a.png' },
                  { key: 'lang', value: 'en' },
                ],
              },
              { parameters_attributes: { 0: { key: 'image_url', value: 'b.png' } } },
            ],
            webhooks_attributes: [{ destination: 'https://example.com/h', secret: 's' }],
          },
        });
      expect(res.status).toBe(201);
      expect(res.body.data.map((d: { parameters: unknown }) => d.parameters)).toEqual([{ image_url: 'a.png', lang: 'en' }, { image_url: 'b.png' }]);
      expect(res.body.webhooks).toHaveLength(1);
    });

    it.each([
      ['no body', {}],
      ['batch: null', { batch: null }],
      ['batch: {}', { batch: {} }],
    ])('422 in the Rails words for a missing root (%s)', async (_n, body) => {
      const res = await create(body);
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        error: 'param is missing or the value is empty: batch',
        type: 'InvalidParameters',
        status: 422,
        details: [{ field: 'batch', message: 'is required' }],
      });
    });

    it('422 naming the datum index and key; all-or-nothing', async () => {
      const before = await s.sql<{ n: string }>('SELECT count(*) AS n FROM batches');
      const res = await create({ batch: { data: [{ image_url: 'a' }, { image_url: 'b' }, { image_url: 'c' }, { other: 'x' }] } });
      expect(res.status).toBe(422);
      expect(res.body.type).toBe('InvalidParameters');
      expect(res.body.error).toBe('batch.data[3].image_url is required');
      expect(res.body.details).toEqual([{ field: 'batch.data[3].image_url', message: 'is required' }]);
      const after = await s.sql<{ n: string }>('SELECT count(*) AS n FROM batches');
      expect(after[0].n).toBe(before[0].n);
    });

    it('422 for nested values, empty required values and bad webhooks', async () => {
      let res = await create({ batch: { data: [{ image_url: { nested: 1 } }] } });
      expect(res.status).toBe(422);
      expect(res.body.details).toEqual([{ field: 'batch.data[0].image_url', message: 'must be a string, number or boolean' }]);
      res = await create({ batch: { data: [{ image_url: '' }] } });
      expect(res.body.details).toEqual([{ field: 'batch.data[0].image_url', message: 'is required' }]);
      res = await create({ batch: { data: ['x'] } });
      expect(res.body.details).toEqual([{ field: 'batch.data[0]', message: 'must be an object of parameters' }]);
      res = await create({ batch: { data: [{ image_url: 'a' }], webhooks: [{ destination: 'ftp://x', secret: 's' }] } });
      expect(res.status).toBe(422);
      expect(res.body.details[0].field).toBe('batch.webhooks[0].destination');
    });

    it('422 for a guild with no task; 404 for a guild the caller does not own', async () => {
      const empty = await setUpPipeline(s, owner, { tasks: [] });
      let res = await create({ batch: { data: [{ x: 1 }] } }, empty.guildId);
      expect(res.status).toBe(422);
      expect(res.body.details[0].field).toBe('guild');
      res = await create({ batch: { data: [{ image_url: 'a' }] } }, p.guildId, stranger);
      expect(res.status).toBe(404);
      expect(res.body.type).toBe('RecordNotFound');
    });

    it('413 over MAX_BATCH_DATA, with a clear message', async () => {
      const data = Array.from({ length: 100_001 }, () => ({ image_url: 'x' }));
      const res = await create({ batch: { data } });
      expect(res.status).toBe(413);
      expect(res.body.type).toBe('PayloadTooLarge');
      expect(res.body.error).toMatch(/100001 data; at most 100000/);
    });
  });

  describe('read', () => {
    let big: string;
    beforeAll(async () => {
      const res = await create({ batch: { data: Array.from({ length: 150 }, (_, i) => ({ image_url: `img${i}.png` })) } });
      big = res.body.id;
    });

    it('GET embeds the first 100 data and points at the rest', async () => {
      const res = await s.http.get(`/api/batches/${big}`).set('Authorization', owner.auth);
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(100);
      expect(res.body.data[0].parameters).toEqual({ image_url: 'img0.png' });
      expect(res.body.data_has_more).toBe(true);
      expect(res.body.data_url).toBe(`/api/batches/${big}/data`);
      expect(res.body.cost_cents).toBe(150 * 200);
      const page2 = await s.http.get(`/api/batches/${big}/data?page=2`).set('Authorization', owner.auth);
      expect(page2.body).toEqual(expect.objectContaining({ object: 'List', url: `/api/batches/${big}/data`, has_more: false, page: 2 }));
      expect(page2.body.data).toHaveLength(50);
      expect(page2.body.data[0].parameters).toEqual({ image_url: 'img100.png' });
    });

    it('OpenGuilds-Version 2018-12-18 wraps data and webhooks as Lists', async () => {
      const res = await s.http.get(`/api/batches/${big}`).set('Authorization', owner.auth).set('OpenGuilds-Version', '2018-12-18');
      expect(res.body.data).toEqual(expect.objectContaining({ object: 'List', url: `/api/batches/${big}/data`, has_more: true, page: 1 }));
      expect(res.body.data.data).toHaveLength(100);
      expect(res.body.webhooks).toEqual({ object: 'List', url: `/api/batches/${big}/webhooks`, has_more: false, page: 1, data: [] });
    });

    it('GET renders byte for byte what the row-by-row view renders (the list), in both shapes, with webhooks', async () => {
      const hooked = await create({
        batch: {
          data: [{ image_url: 'a.png' }, { image_url: 'b.png', n: 1.5 }],
          webhooks: [
            { destination: 'https://example.com/1', secret: 's1' },
            { destination: 'https://example.com/2', secret: 's2' },
          ],
        },
      });
      expect(hooked.status).toBe(201);
      for (const version of [undefined, '2018-12-18']) {
        for (const id of [big, hooked.body.id]) {
          const get = s.http.get(`/api/batches/${id}`).set('Authorization', owner.auth);
          const list = s.http.get('/api/batches?limit=100').set('Authorization', owner.auth);
          if (version) {
            get.set('OpenGuilds-Version', version);
            list.set('OpenGuilds-Version', version);
          }
          const [one, all] = await Promise.all([get, list]);
          const items = (version ? all.body.data : all.body.data) as Array<{ id: string }>;
          const fromList = items.find((b) => b.id === id);
          expect(fromList).toBeDefined();
          expect(one.text).toBe(JSON.stringify(fromList));
        }
      }
    });

    it('lists the caller’s batches newest first, with ?status=; others see nothing', async () => {
      const res = await s.http.get('/api/batches?status=unpaid&limit=2').set('Authorization', owner.auth);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ object: 'List', url: '/api/batches', has_more: true, page: 1 }));
      expect(res.body.data).toHaveLength(2);
      expect(Number(res.body.data[0].id)).toBeGreaterThan(Number(res.body.data[1].id));
      expect((await s.http.get('/api/batches?status=processing').set('Authorization', owner.auth)).body.data).toEqual([]);
      expect((await s.http.get('/api/batches?status=bogus').set('Authorization', owner.auth)).status).toBe(422);
      expect((await s.http.get('/api/batches').set('Authorization', stranger.auth)).body.data).toEqual([]);
      expect((await s.http.get(`/api/batches/${big}`).set('Authorization', stranger.auth)).status).toBe(404);
      expect((await s.http.get(`/api/batches/${big}/data`).set('Authorization', stranger.auth)).status).toBe(404);
    });
  });

  describe('adding and deleting data while unpaid', () => {
    it('adds one datum, many data, deletes one; data_count follows', async () => {
      const b = (await create({ batch: { data: [{ image_url: 'a' }] } })).body;
      let res = await s.http.post(`/api/batches/${b.id}/data`).set('Authorization', owner.auth).send({ image_url: 'b', note: 'x' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(expect.objectContaining({ object: 'Datum', status: 'unpaid', parameters: { image_url: 'b', note: 'x' } }));
      const single = res.body.id;
      res = await s.http
        .post(`/api/batches/${b.id}/data`)
        .set('Authorization', owner.auth)
        .send({ data: [{ image_url: 'c' }, { image_url: 'd' }] });
      expect(res.status).toBe(201);
      expect(res.body.object).toBe('List');
      expect(res.body.data.map((d: { parameters: { image_url: string } }) => d.parameters.image_url)).toEqual(['c', 'd']);
      res = await s.http
        .post(`/api/batches/${b.id}/data`)
        .set('Authorization', owner.auth)
        .send({ data: [{ image_url: 'e' }, {}] });
      expect(res.status).toBe(422);
      expect(res.body.details).toEqual([{ field: 'data[1].image_url', message: 'is required' }]);

      res = await s.http.get(`/api/data/${single}`).set('Authorization', owner.auth);
      expect(res.body.parameters).toEqual({ image_url: 'b', note: 'x' });
      expect((await s.http.get(`/api/data/${single}`).set('Authorization', stranger.auth)).status).toBe(404);
      expect((await s.http.delete(`/api/data/${single}`).set('Authorization', stranger.auth)).status).toBe(404);
      res = await s.http.delete(`/api/data/${single}`).set('Authorization', owner.auth);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ object: 'Datum', id: single, deleted: true });
      expect((await s.http.get(`/api/data/${single}`).set('Authorization', owner.auth)).status).toBe(404);
      res = await s.http.get(`/api/batches/${b.id}`).set('Authorization', owner.auth);
      expect(res.body.data_count).toBe(3);
      expect(res.body.cost_cents).toBe(600);
      expect(res.body.data).toHaveLength(3);
    });

    it('409 once paid', async () => {
      const b = (await create({ batch: { data: [{ image_url: 'a' }] } })).body;
      await giveCard(s, owner);
      const pay = await s.http.post(`/api/batches/${b.id}/debits`).set('Authorization', owner.auth);
      expect(pay.status).toBe(201);
      expect(pay.body).toEqual({
        object: 'Transaction',
        id: expect.any(String),
        type: 'Guild Debit',
        amount: '$2.00',
        amount_cents: 200,
        reason: 'payment',
        batch_id: b.id,
        created: expect.stringMatching(TIME),
      });
      const res = await s.http.post(`/api/batches/${b.id}/data`).set('Authorization', owner.auth).send({ image_url: 'z' });
      expect(res.status).toBe(409);
      const del = await s.http.delete(`/api/data/${b.data[0].id}`).set('Authorization', owner.auth);
      expect(del.status).toBe(409);
      expect((await s.http.post(`/api/batches/${b.id}/debits`).set('Authorization', owner.auth)).status).toBe(409);
    });
  });

  describe('files', () => {
    let batchId: string;
    beforeAll(async () => {
      const g = await setUpPipeline(s, owner, { tasks: [{ name: 'Look', minimum_amount_cents: 10 }] });
      batchId = (await create({ batch: { data: [] } }, g.guildId)).body.id;
    });

    it('stores a file, adds a datum with its URL, dedupes bytes per owner', async () => {
      const bytes = Buffer.from('\x89PNG fake image bytes');
      const res = await s.http.post(`/api/batches/${batchId}/files`).set('Authorization', owner.auth).attach('file', bytes, 'my photo.png');
      expect(res.status).toBe(201);
      const checksum = createHash('sha256').update(bytes).digest('hex');
      expect(res.body).toEqual({
        object: 'File',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'my photo.png',
        file_size: bytes.length,
        checksum,
        duplicate: false,
        url: `/api/files/${res.body.id}/my%20photo.png`,
        datum_id: expect.stringMatching(/^\d+$/),
        created: expect.stringMatching(TIME),
      });
      const datum = await s.http.get(`/api/data/${res.body.datum_id}`).set('Authorization', owner.auth);
      expect(datum.body.parameters).toEqual({ file_url: res.body.url });

      const again = await s.http
        .post(`/api/batches/${batchId}/files`)
        .set('Authorization', owner.auth)
        .field('parameter', 'audio_url')
        .attach('file', bytes, 'copy.png');
      expect(again.status).toBe(201);
      expect(again.body.duplicate).toBe(true);
      expect(again.body.checksum).toBe(checksum);
      const d2 = await s.http.get(`/api/data/${again.body.datum_id}`).set('Authorization', owner.auth);
      expect(d2.body.parameters).toEqual({ audio_url: again.body.url });
      expect(await s.sql('SELECT * FROM file_blobs WHERE owner_id = $1', [owner.id])).toHaveLength(1);

      const get = await s.http
        .get(res.body.url)
        .set('Authorization', owner.auth)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect(get.status).toBe(200);
      expect(get.headers['content-type']).toMatch(/image\/png/);
      expect(get.headers['x-content-type-options']).toBe('nosniff');
      expect(Buffer.compare(get.body as Buffer, bytes)).toBe(0);

      expect((await s.http.get(res.body.url).set('Authorization', stranger.auth)).status).toBe(404);
      expect((await s.http.get(res.body.url)).status).toBe(401); // no key, no token: 401 like every route (API.md §1.2)
      expect((await s.http.get(`/api/files/${res.body.id}/other.png`).set('Authorization', owner.auth)).status).toBe(404);
      expect((await s.http.get(`/api/files/not-a-uuid/x`).set('Authorization', owner.auth)).status).toBe(404);
    });

    it('413 past the upload limit, 415 for text, 422 for JSON, 422 without a file, 404 for another owner', async () => {
      let res = await s.http
        .post(`/api/batches/${batchId}/files`)
        .set('Authorization', owner.auth)
        .attach('file', Buffer.alloc(65 * 1024, 1), 'big.bin');
      expect(res.status).toBe(413);
      expect(res.body.type).toBe('PayloadTooLarge');
      res = await s.http.post(`/api/batches/${batchId}/files`).set('Authorization', owner.auth).set('Content-Type', 'text/plain').send('x');
      expect(res.status).toBe(415);
      res = await s.http.post(`/api/batches/${batchId}/files`).set('Authorization', owner.auth).send({ file: 'x' });
      expect(res.status).toBe(422);
      expect(res.body.details[0].field).toBe('file');
      res = await s.http.post(`/api/batches/${batchId}/files`).set('Authorization', owner.auth).field('parameter', 'x');
      expect(res.status).toBe(422);
      res = await s.http.post(`/api/batches/${batchId}/files`).set('Authorization', stranger.auth).attach('file', Buffer.from('x'), 'x.txt');
      expect(res.status).toBe(404);
    });

    it('a worker with a live assignment on the datum may fetch the file (key or token)', async () => {
      const g = await setUpPipeline(s, owner, { tasks: [{ name: 'Look', minimum_amount_cents: 75 }] });
      const b = (await create({ batch: { data: [] } }, g.guildId)).body;
      const up = await s.http.post(`/api/batches/${b.id}/files`).set('Authorization', owner.auth).attach('file', Buffer.from('hello'), 'a.txt');
      expect(up.status).toBe(201);
      expect((await s.http.post(`/api/batches/${b.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
      const worker = await registerUser(s.http);
      await addMember(s.http, owner, g.guildId, worker);
      expect((await s.http.get(up.body.url).set('Authorization', worker.auth)).status).toBe(404);
      await subscribe(s.http, worker, g.taskIds[0]);
      const claim = await s.http.post(`/api/tasks/${g.taskIds[0]}/claims`).set('Authorization', worker.auth);
      expect(claim.status).toBe(201);
      expect(claim.body.datum.parameters).toEqual({ file_url: up.body.url });
      const byKey = await s.http.get(up.body.url).set('Authorization', worker.auth);
      expect(byKey.status).toBe(200);
      expect(byKey.text).toBe('hello');
      const token = new URL(claim.body.submit_to).searchParams.get('token');
      expect((await s.http.get(`${up.body.url}?token=${token}`)).status).toBe(200);
      expect((await s.http.get(`${up.body.url}?token=wrong`)).status).toBe(404);
    });
  });

  describe('cancel while unpaid', () => {
    it('keeps the record, deletes the parameters, moves no money; twice is 409', async () => {
      const b = (await create({ batch: { data: [{ image_url: 'secret.png' }] } })).body;
      const res = await s.http.delete(`/api/batches/${b.id}`).set('Authorization', owner.auth);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ object: 'Batch', id: b.id, canceled: true });
      const got = await s.http.get(`/api/batches/${b.id}`).set('Authorization', owner.auth);
      expect(got.body.status).toBe('canceled');
      expect(got.body.data[0]).toEqual(expect.objectContaining({ status: 'canceled', parameters: {} }));
      expect(await s.sql('SELECT * FROM ledger_transactions WHERE batch_id = $1', [b.id])).toEqual([]);
      expect((await s.http.delete(`/api/batches/${b.id}`).set('Authorization', owner.auth)).status).toBe(409);
      expect((await s.http.delete(`/api/batches/${b.id}`).set('Authorization', stranger.auth)).status).toBe(404);
      expect((await s.http.post(`/api/batches/${b.id}/debits`).set('Authorization', owner.auth)).status).toBe(409);
    });
  });

  describe('pay', () => {
    it('402 with no card and no balance, and nothing changes', async () => {
      const poor = await registerUser(s.http);
      const g = await setUpPipeline(s, poor, { tasks: [{ name: 'T', minimum_amount_cents: 100 }] });
      const b = (await create({ batch: { data: [{ a: 1 }] } }, g.guildId, poor)).body;
      const res = await s.http.post(`/api/batches/${b.id}/debits`).set('Authorization', poor.auth);
      expect(res.status).toBe(402);
      expect(res.body.type).toBe('PaymentRequired');
      expect((await s.http.get(`/api/batches/${b.id}`).set('Authorization', poor.auth)).body.status).toBe('unpaid');
      expect(await s.sql('SELECT * FROM work_items WHERE batch_id = $1', [b.id])).toEqual([]);
    });

    it('creates and pays 100,000 data in one request each (bulk SQL; timed by npm run bench)', async () => {
      const g = await setUpPipeline(s, owner, {
        input_parameters: ['u'],
        tasks: [
          { name: 'A', minimum_amount_cents: 2 },
          { name: 'B', minimum_amount_cents: 3 },
        ],
        connections: [[0, 1]],
      });
      const data = Array.from({ length: 100_000 }, (_, i) => ({ u: `https://img.example.com/${i}.png` }));
      const res = await create({ batch: { data } }, g.guildId);
      expect(res.status).toBe(201);
      expect(res.body.data_count).toBe(100_000);
      expect(res.body.cost_cents).toBe(500_000);
      const pay = await s.http.post(`/api/batches/${res.body.id}/debits`).set('Authorization', owner.auth);
      expect(pay.status).toBe(201);
      expect(pay.body.amount_cents).toBe(500_000);
      const [counts] = await s.sql<{ open: string; waiting: string }>(
        `SELECT count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'waiting') AS waiting FROM work_items WHERE batch_id = $1`,
        [res.body.id],
      );
      expect(counts).toEqual({ open: '100000', waiting: '100000' });
    }, 120_000);
  });
});
