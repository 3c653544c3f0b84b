import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { expectLedgerInvariant } from './support/ledger';
import { startTestServer, TestServer } from './support/server';
import { startReceiver, WebhookReceiver } from './support/webhook-receiver';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const sdk = path.join(root, 'sdk');

/**
 * The TypeScript SDK (sdk/, docs/openapi.md) end to end: its types are generated from the
 * document this very server serves, the README flow in sdk/test/flow.ts must compile under
 * `tsc --strict` without a single cast, and the compiled flow runs against the server.
 */
describe('TypeScript SDK: generated from the served document, the README flow type-checks and runs', () => {
  let s: TestServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
    await receiver?.close();
  });

  it('has no casts, any, ts-ignore or non-null assertions in the flow or the client', () => {
    for (const file of ['test/flow.ts', 'src/index.ts']) {
      const code = fs
        .readFileSync(path.join(sdk, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '') // comments
        .replace(/^import .*$/gm, '');
      expect({ file, casts: code.match(/\bas\s+(?!const\b)[A-Za-z{[(]|(?:[=(,]|\breturn)\s*<[A-Z][^>]*>|\bany\b|@ts-|\w[)\]]?!(?=[.;,)\]\s])/g) }).toEqual({ file, casts: null });
    }
  });

  it('generates, type-checks and runs the README flow against a real server', async () => {
    // 1. the document as served, and the SDK's types generated from it (sdk/package.json "generate")
    const doc = await s.http.get('/api/openapi.json');
    expect(doc.status).toBe(200);
    fs.writeFileSync(path.join(sdk, 'openapi.json'), JSON.stringify(doc.body, null, 2) + '\n');
    await run('npm', ['run', 'generate', '-w', 'sdk'], { cwd: root });
    // 2. the client and the flow under tsc --strict (sdk/tsconfig.test.json); a type error fails here
    await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(sdk, 'tsconfig.test.json'), '--outDir', path.join(sdk, 'dist')], { cwd: sdk }).catch(
      (err: { stdout?: string }) => {
        throw new Error(`the SDK flow does not type-check:\n${err.stdout ?? String(err)}`);
      },
    );
    // 3. the compiled flow against this server
    const { stdout } = await run(process.execPath, [path.join(sdk, 'dist/test/flow.js')], {
      cwd: sdk,
      env: { ...process.env, OG_BASE_URL: s.url, OG_WEBHOOK_URL: receiver.url },
    });
    const summary = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(summary).toEqual({
      batch_id: expect.stringMatching(/^\d+$/),
      batch_status: 'completed',
      progress: 100,
      submitted: 4,
      worker_balance_cents: 1200,
      transactions: [
        { type: 'Guild Credit', amount_cents: 100 },
        { type: 'Guild Credit', amount_cents: 100 },
        { type: 'Guild Credit', amount_cents: 500 },
        { type: 'Guild Credit', amount_cents: 500 },
      ],
      delivery: { succeeded: true, status_code: 200 },
      not_found: 404,
    });
    // the receiver got the completed batch, signed with the secret the flow chose
    await receiver.waitFor(1);
    const hook = receiver.requests[0];
    const payload = new Webhook('secret123', { format: 'raw' }).verify(hook.body, hook.headers) as { id: string; status: string };
    expect(payload).toEqual(expect.objectContaining({ id: summary.batch_id, status: 'completed' }));
    await expectLedgerInvariant(s);
  });
});
