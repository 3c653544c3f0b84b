// Promise: while PostgreSQL is down (alone or under load) requests fail fast with 503 in the error shape, /ready says not ready, and the service recovers by itself.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { registerUser, uniqueEmail } from '../support/fixtures';
import { createGuild } from '../support/guild-fixtures';
import { freePort, ProcessServer } from '../support/process-server';
import { writeFigures } from './figures';

/**
 * The server runs as its own process (as in production), on a PostgreSQL of this test's that is
 * stopped and started under it: an error the process does not handle ends it, and the test sees that.
 */
describe('database outage', () => {
  let dir: string;
  let port: number;
  let db: EmbeddedDatabase | undefined;
  let server: ProcessServer;
  const logs = { text: () => server.logs(), lines: () => server.lines };

  const startDb = async () => {
    db = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port, database: 'outage', persistent: true });
    return db;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-outage-'));
    fs.chmodSync(dir, 0o755);
    port = await freePort();
    const { url } = await startDb();
    const database = { url, name: 'outage', drop: async () => undefined };
    server = new ProcessServer(database, false, { env: { DATABASE_POOL_SIZE: '5' } }, await freePort());
    await server.start();
  }, 300_000); // the first build of the app (tsc) on a loaded box

  afterAll(async () => {
    // still running: no error of the outage ended the process
    expect({ running: server?.running, lastLines: server?.running ? [] : server?.lines.slice(-25) }).toEqual({ running: true, lastLines: [] });
    await server?.stop();
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

    const register = await http
      .post('/api/register')
      .send({ email: 'during-outage@example.com', password: 'longenough1', password_confirmation: 'longenough1' });
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

  it('under concurrent load: every answer is a 2xx or a 503 in the error shape, none hangs, and it recovers by itself', async () => {
    const http = request(server.url);
    const users = await Promise.all(Array.from({ length: 5 }, () => registerUser(http)));
    const statuses: Record<string, number> = {};
    const bad: string[] = [];
    let slowest = 0;
    let stop = false;
    /** every guild a client was told was created (201), by owner */
    const acknowledged = new Map<string, Array<{ id: string; name: string }>>();
    const client = async (i: number) => {
      const u = users[i % users.length];
      while (!stop) {
        const started = Date.now();
        const kind = i % 3;
        const res =
          kind === 0
            ? await http.get('/api/me').set('Authorization', u.auth)
            : kind === 1
              ? await http
                  .post('/api/guilds')
                  .set('Authorization', u.auth)
                  .send({ name: `g${i}`, description: 'load' })
              : await http.get('/api/guilds').set('Authorization', u.auth);
        slowest = Math.max(slowest, Date.now() - started);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (kind === 1 && res.status === 201) acknowledged.set(u.id, [...(acknowledged.get(u.id) ?? []), { id: res.body.id, name: `g${i}` }]);
        const okStatus = res.status === 200 || res.status === 201;
        if (!okStatus && res.status !== 503) bad.push(`${res.status} ${res.text.slice(0, 200)}`);
        if (res.status === 503) {
          if (res.body.type !== 'ServiceUnavailable' || !(Number(res.headers['retry-after']) > 0)) bad.push(`503 without the shape: ${res.text}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const clients = Promise.all(Array.from({ length: 30 }, (_x, i) => client(i)));
    await new Promise((r) => setTimeout(r, 1500));
    await db!.stop();
    db = undefined;
    await new Promise((r) => setTimeout(r, 4000));
    await startDb();
    // it recovers without help: wait until a full round of requests succeeds
    const recoveredBy = Date.now() + 30_000;
    for (;;) {
      const probe = await http.get('/api/me').set('Authorization', users[0].auth);
      if (probe.status === 200) break;
      if (Date.now() > recoveredBy) throw new Error(`not recovered: ${probe.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await clients;
    if (bad.length)
      bad.push(
        ...logs
          .lines()
          .filter((l) => /unhandled/.test(l))
          .map((l) => l.slice(0, 700)),
      );
    expect(bad).toEqual([]);
    expect(statuses['503']).toBeGreaterThan(0);
    expect((statuses['200'] ?? 0) + (statuses['201'] ?? 0)).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(15_000); // no hangs: bounded by the pool's connection timeout
    expect(logs.text()).not.toContain('"type":"InternalError"');
    // no half-written guilds: every acknowledged creation is stored whole, and every stored guild
    // (acknowledged or cut off by the outage after its commit) is whole: the name and description sent
    for (const u of users) {
      const stored: Array<Record<string, unknown>> = [];
      for (let page = 1; ; page++) {
        const res = await http.get(`/api/guilds?limit=100&page=${page}`).set('Authorization', u.auth);
        expect(res.status).toBe(200);
        stored.push(...res.body.data);
        if (!res.body.has_more) break;
      }
      for (const g of stored)
        expect(g).toEqual(
          expect.objectContaining({ object: 'Guild', id: expect.stringMatching(/^\d+$/), name: expect.stringMatching(/^g\d+$/), description: 'load' }),
        );
      const byId = new Map(stored.map((g) => [g.id, g]));
      for (const a of acknowledged.get(u.id) ?? []) expect(byId.get(a.id)).toEqual(expect.objectContaining({ id: a.id, name: a.name, description: 'load' }));
    }
    expect([...acknowledged.values()].flat().length).toBeGreaterThan(0);
    // the job queue works again: an invite made now is mailed (its status moves from sending to
    // sent in a queue job), even when the outage stopped the queue's runner mid-job
    const owner = await registerUser(http);
    const guild = await createGuild(http, owner);
    const invite = await http
      .post(`/api/guilds/${guild.id}/invites`)
      .set('Authorization', owner.auth)
      .send({ email: uniqueEmail('after-outage') });
    expect(invite.status).toBe(201);
    let inviteStatus = invite.body.status;
    for (const until = Date.now() + 30_000; inviteStatus !== 'sent' && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 200));
      const list = await http.get(`/api/guilds/${guild.id}/invites`).set('Authorization', owner.auth);
      inviteStatus = list.body.data.find((i: { id: string }) => i.id === invite.body.id)?.status;
    }
    expect(inviteStatus).toBe('sent');
    writeFigures('database outage under load', { clients: 30, statuses, slowestMs: slowest });
  }, 90_000);
});
