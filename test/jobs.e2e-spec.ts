import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { registerUser, TestUser, uniqueEmail } from './support/fixtures';
import { createGuild } from './support/guild-fixtures';
import { startTestServer, TestServer } from './support/server';

/**
 * The job queue (graphile-worker, src/queue/) seen through its users: the invite mail job is
 * queued in the invite's transaction, retried when the mail server refuses, and still runs after
 * every database connection of the server was cut (the LISTEN connection comes back).
 */

async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function inviteStatus(s: TestServer, id: string): Promise<string> {
  return (await s.sql<{ status: string }>('SELECT status FROM invites WHERE id = $1', [id]))[0].status;
}

async function waitingJobs(s: TestServer, task: string): Promise<number> {
  const [row] = await s.sql<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = $1`, [task]);
  return row.n;
}

describe('the job queue, through invite mails', () => {
  let s: TestServer;
  let owner: TestUser;
  let smtp: SMTPServer;
  const received: string[] = [];
  let refuse = 0;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, done) {
        let text = '';
        stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
        stream.on('end', () => {
          if (refuse > 0) {
            refuse--;
            return done(new Error('451 try again later'));
          }
          received.push(text);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    // a poll of an hour: a job queued after the connections were cut can only be woken by NOTIFY
    s = await startTestServer({ smtpUrl: `smtp://127.0.0.1:${port}`, queuePollIntervalMs: 3_600_000 });
    owner = await registerUser(s.http);
  });
  afterAll(async () => {
    await s?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  async function invite(guildId: string, email: string): Promise<string> {
    const res = await s.http.post(`/api/guilds/${guildId}/invites`).set('Authorization', owner.auth).send({ email });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  it('runs the job once its transaction commits, and queues none for a refused request', async () => {
    const g = await createGuild(s.http, owner);
    const email = uniqueEmail('queued');
    const id = await invite(g.id, email);
    await waitFor(async () => (await inviteStatus(s, id)) === 'sent');
    // the job is done (it left the queue: no retry is pending), so no second mail can come
    await waitFor(async () => (await waitingJobs(s, 'invite-mail')) === 0);
    expect(received.filter((m) => m.includes(email))).toHaveLength(1);
    // a duplicate invite is a 409: its transaction rolled back, so no job was queued either
    const dup = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email });
    expect(dup.status).toBe(409);
    expect(await waitingJobs(s, 'invite-mail')).toBe(0);
  });

  it('retries a job whose handler failed', async () => {
    const g = await createGuild(s.http, owner);
    const email = uniqueEmail('retried');
    refuse = 1;
    const id = await invite(g.id, email);
    const [failed] = await waitFor(async () => {
      const rows = await s.sql<{ attempts: number; last_error: string }>(
        `SELECT attempts, last_error FROM graphile_worker.jobs WHERE task_identifier = 'invite-mail' AND last_error IS NOT NULL`,
      );
      return rows.length ? rows : undefined;
    });
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toContain('try again later');
    expect(await inviteStatus(s, id)).toBe('sending');
    // the retry's time is the library's backoff: bring it forward rather than wait for it
    await s.sql(`SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at => now()) FROM graphile_worker.jobs WHERE task_identifier = 'invite-mail'`);
    await s.sql(`NOTIFY "jobs:insert"`);
    await waitFor(async () => (await inviteStatus(s, id)) === 'sent');
    await waitFor(async () => (await waitingJobs(s, 'invite-mail')) === 0); // done: no further attempt can come
    expect(received.filter((m) => m.includes(email))).toHaveLength(1);
  });

  it('runs a job queued after every database connection of the server was cut (LISTEN reconnects)', async () => {
    const g = await createGuild(s.http, owner);
    const cut = await s.sql<{ pid: number }>(
      `SELECT pid FROM (SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() OFFSET 0) others
        WHERE pg_terminate_backend(pid)`,
    );
    expect(cut.length).toBeGreaterThan(0);
    // the queue's listener is back when a new session of this database has run its LISTEN
    await waitFor(async () => {
      const rows = await s.sql(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN "jobs:insert"%' AND NOT (pid = ANY($1::int[]))`,
        [cut.map((c) => c.pid)],
      );
      return rows.length > 0;
    });
    const email = uniqueEmail('after-cut');
    let res = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email });
    // the app's own pool may hand out one connection that died with the others: that request is a 503
    if (res.status === 503) res = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email });
    expect(res.status).toBe(201);
    await waitFor(async () => (await inviteStatus(s, res.body.id)) === 'sent');
    await waitFor(async () => (await waitingJobs(s, 'invite-mail')) === 0);
    expect(received.filter((m) => m.includes(email))).toHaveLength(1);
  });
});
