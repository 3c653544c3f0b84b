// Promise: while PostgreSQL is down, requests fail fast with 503 in the error shape (no hangs, no 500s),
// /ready says not ready, and the service recovers by itself when the database returns.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { RunningServer, startServer } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { registerUser } from '../support/fixtures';
import { CapturedLogs } from '../support/server';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('database outage', () => {
  let dir: string;
  let port: number;
  let db: EmbeddedDatabase | undefined;
  let server: RunningServer;
  const logs = new CapturedLogs();

  const startDb = async () => {
    db = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port, database: 'outage', persistent: true });
    return db;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-outage-'));
    fs.chmodSync(dir, 0o755);
    port = await freePort();
    const { url } = await startDb();
    const config = { ...loadConfig({ NODE_ENV: 'test', PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'debug' }), databaseUrl: url, databasePoolSize: 5 };
    server = await startServer(config, { logStream: logs });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await db?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while the database is down and recovers when it returns', async () => {
    const http = request(server.url);
    const user = await registerUser(http);
    expect((await http.get('/api/me').set('Authorization', user.auth)).status).toBe(200);

    await db!.stop();
    db = undefined;

    const started = Date.now();
    const down = await Promise.all(Array.from({ length: 10 }, () => http.get('/api/me').set('Authorization', user.auth)));
    const elapsed = Date.now() - started;
    for (const res of down) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: expect.any(String), type: 'ServiceUnavailable', status: 503 });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    // fails fast: bounded by the pool's connection timeout, never a hang
    expect(elapsed).toBeLessThan(15_000);

    const ready = await http.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('error');
    const health = await http.get('/health');
    expect(health.status).toBe(200);

    const register = await http.post('/api/register').send({ email: 'during-outage@example.com', password: 'longenough1', password_confirmation: 'longenough1' });
    expect(register.status).toBe(503);

    await startDb();
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await http.get('/api/me').set('Authorization', user.auth)).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(200);
    expect((await http.get('/ready')).status).toBe(200);
    // the registration refused during the outage left nothing behind, and can now succeed
    const again = await http.post('/api/register').send({ email: 'during-outage@example.com', password: 'longenough1', password_confirmation: 'longenough1' });
    expect(again.status).toBe(201);
    expect(logs.text()).not.toContain('"type":"InternalError"');
  }, 90_000);
});
