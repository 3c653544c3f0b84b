import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerUser, TestUser } from '../support/fixtures';
import { createPipeline } from '../support/guild-fixtures';
import { expectLedgerInvariant } from '../support/ledger';
import { startTestServer, TestServer } from '../support/server';

type Wire = Record<string, any>;

/**
 * The curl examples of the OpenGuilds batches documentation (shared/seeds/openguilds-batches.md),
 * run with the real curl binary against this server. What had to change, and nothing else:
 * - the host (https://openguilds.com → the test server);
 * - data.json made valid JSON (the sample has trailing commas);
 * - the multi-line commands joined into one (the docs have no line continuations);
 * - "Pay for a Batch" gets `-X POST`, which its "HTTP Request" line (POST …/debits) says and its
 *   curl line forgets: a GET never moves money (it is a 405 naming POST, tested below).
 * `-u "KEY"` is kept as written: curl asks for a password, reads an empty one from the closed
 * stdin, and sends base64("KEY:").
 */

/** data.json of "Create a Batch", trailing commas removed. */
const DATA_JSON = `{
  "batch": {
    "data": [
      { "image_url": "www.images.com/image1.png" },
      { "image_url": "www.images.com/image2.png" },
      { "image_url": "www.images.com/image3.png" }
    ],
    "webhooks": [
      {
        "destination": "https://your.service.com",
        "secret": "secret123"
      }
    ]
  }
}
`;

interface CurlResult {
  status: number;
  body: Wire;
  text: string;
}

function curl(args: string[], cwd: string): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-s', '-S', '-w', '\n%{http_code}', ...args], { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl failed: ${err.message} ${stderr}`));
      const cut = stdout.lastIndexOf('\n');
      const text = stdout.slice(0, cut);
      let body: Wire = {};
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: the assertion on status shows it */
      }
      resolve({ status: Number(stdout.slice(cut + 1)), body, text });
    });
    child.stdin?.end(); // the password prompt of -u "KEY" reads an empty line
  });
}

describe('compat: the curl examples of the OpenGuilds batches documentation', () => {
  let s: TestServer;
  let owner: TestUser;
  let guild: Wire;
  let dir: string;
  let base: string;
  const KEY = () => owner.key;

  beforeAll(async () => {
    s = await startTestServer();
    base = s.url;
    owner = await registerUser(s.http);
    // "If we have a guild with only one input parameter with a key value of image_url"
    ({ guild } = await createPipeline(s.http, owner, { input_parameters: ['image_url'], tasks: [{ name: 'Describe', minimum_amount_cents: 100 }] }));
    const card = await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' });
    expect(card.status).toBe(201);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-curl-'));
    fs.writeFileSync(path.join(dir, 'data.json'), DATA_JSON);
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await s.close();
  });

  const createDocumented = () => curl([`${base}/api/guild/${guild.id}/batch`, '-u', KEY(), '-H', 'Content-Type: application/json', '-d', '@data.json'], dir);

  function expectDocumentedBatch(b: Wire) {
    expect(b).toMatchObject({ object: 'Batch', id: expect.stringMatching(/^\d+$/), data_count: 3, data_completed_count: 0, status: 'unpaid' });
    expect(b.data.map((d: Wire) => ({ object: d.object, parameters: d.parameters }))).toEqual(
      [1, 2, 3].map((i) => ({ object: 'Datum', parameters: { image_url: `www.images.com/image${i}.png` } })),
    );
    expect(b.webhooks).toEqual([expect.objectContaining({ object: 'Webhook', id: expect.any(String), destination: 'https://your.service.com' })]);
    expect(JSON.stringify(b)).not.toContain('secret123');
  }

  it('the sample data.json of the docs is not JSON as printed (trailing commas), and is once corrected', () => {
    const printed = `{ "batch": { "data": [ { "image_url": "www.images.com/image1.png", }, ], } }`;
    expect(() => JSON.parse(printed)).toThrow();
    expect(() => JSON.parse(DATA_JSON)).not.toThrow();
  });

  it('Create a Batch: curl ".../api/guild/<GUILD_ID>/batch" -u KEY -H "Content-Type: application/json" -d "@data.json"', async () => {
    const res = await createDocumented();
    expect(res.status).toBe(201);
    expectDocumentedBatch(res.body);
  });

  it('Create a Batch, its HTTP Request line: POST /api/<GUILD_ID>/batches', async () => {
    const res = await curl([`${base}/api/${guild.id}/batches`, '-u', KEY(), '-H', 'Content-Type: application/json', '-d', '@data.json'], dir);
    expect(res.status).toBe(201);
    expectDocumentedBatch(res.body);
  });

  it('the uncorrected sample is a 400 in the error shape, not a 500', async () => {
    fs.writeFileSync(path.join(dir, 'bad.json'), `{ "batch": { "data": [ { "image_url": "x", }, ] } }`);
    const res = await curl([`${base}/api/guild/${guild.id}/batch`, '-u', KEY(), '-H', 'Content-Type: application/json', '-d', '@bad.json'], dir);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'BadRequest', status: 400, error: expect.any(String) });
  });

  it('List all Batches: curl ".../api/guilds" -u KEY (as printed) and GET /api/batches (its HTTP Request line)', async () => {
    await createDocumented();
    const printed = await curl([`${base}/api/guilds`, '-u', KEY()], dir);
    expect(printed.status).toBe(200);
    expect(printed.body).toMatchObject({ object: 'List', url: '/api/guilds', has_more: false, page: 1 });
    const batches = await curl([`${base}/api/batches`, '-u', KEY()], dir);
    expect(batches.status).toBe(200);
    expect(batches.body).toMatchObject({ object: 'List', url: '/api/batches', has_more: false, page: 1 });
    expect(batches.body.data.length).toBeGreaterThan(0);
    expect(batches.body.data[0]).toMatchObject({ object: 'Batch', data_count: 3 });
  });

  it('Get a Specific Batch: curl ".../api/batches/<ID>" -u KEY, and GET /batches/<ID> of its HTTP Request line', async () => {
    const created = (await createDocumented()).body;
    for (const url of [`${base}/api/batches/${created.id}`, `${base}/batches/${created.id}`]) {
      const res = await curl([url, '-u', KEY()], dir);
      expect(res.status).toBe(200);
      expectDocumentedBatch(res.body);
      expect(res.body.id).toBe(created.id);
    }
  });

  it('Pay for a Batch: curl ".../api/batches/<ID>/debits" -u KEY -X POST → 201 Guild Debit', async () => {
    const created = (await createDocumented()).body;
    const res = await curl([`${base}/api/batches/${created.id}/debits`, '-u', KEY(), '-X', 'POST'], dir);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ object: 'Transaction', id: expect.any(String), type: 'Guild Debit', amount: '$3.00', amount_cents: 300 });
    await expectLedgerInvariant(s);
  });

  it('Pay for a Batch exactly as printed (a GET, no -X POST) pays nothing: 405 with Allow: POST', async () => {
    const created = (await createDocumented()).body;
    const res = await curl([`${base}/api/batches/${created.id}/debits`, '-u', KEY(), '-i'], dir);
    expect(res.text).toMatch(/^HTTP\/1\.1 405/);
    expect(res.text).toMatch(/\r\nallow: POST\r\n/i);
    const after = await s.http.get(`/api/batches/${created.id}`).set('Authorization', owner.auth);
    expect(after.body.status).toBe('unpaid');
  });

  it('Cancel a Specific Batch: curl ".../api/batches/<ID>" -u KEY -X DELETE, and DELETE /batches/<ID>', async () => {
    for (const prefix of [`${base}/api`, base]) {
      const created = (await createDocumented()).body;
      const res = await curl([`${prefix}/batches/${created.id}`, '-u', KEY(), '-X', 'DELETE'], dir);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ object: 'Batch', id: created.id, canceled: true });
    }
  });

  it('-u "KEY:" (the documented form of the contract) works as well as -u "KEY"', async () => {
    const res = await curl([`${base}/api/batches`, '-u', `${KEY()}:`], dir);
    expect(res.status).toBe(200);
    const wrong = await curl([`${base}/api/batches`, '-u', 'og_wrong:'], dir);
    expect(wrong.status).toBe(401);
  });
});
