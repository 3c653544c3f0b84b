import { SMTPServer } from 'smtp-server';
import { AddressInfo } from 'node:net';
import { registerUser, TestUser, uniqueEmail } from './support/fixtures';
import { addMember, createGuild, createPipeline, subscribe } from './support/guild-fixtures';
import { startTestServer, TestServer } from './support/server';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function inviteStatus(s: TestServer, id: string): Promise<string> {
  return (await s.sql<{ status: string }>('SELECT status FROM invites WHERE id = $1', [id]))[0].status;
}

describe('members, invites and subscriptions (invite links logged: no SMTP)', () => {
  let s: TestServer;
  let owner: TestUser;
  let worker: TestUser;
  let stranger: TestUser;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    worker = await registerUser(s.http);
    stranger = await registerUser(s.http);
  });
  afterAll(() => s.close());

  it('invites, sends from a background job, and accepts by email', async () => {
    const g = await createGuild(s.http, owner);
    const res = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email: worker.email });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      object: 'Invite',
      id: expect.any(String),
      guild_id: g.id,
      email: worker.email,
      status: 'sending',
      created: expect.stringMatching(TIME),
      updated: expect.any(String),
    });
    await waitFor(async () => ((await inviteStatus(s, res.body.id)) === 'sent' ? true : undefined));
    const line = s.logs.lines.find((l) => l.includes('invite_link') && l.includes(`/api/invites/${res.body.id}/accept?token=`));
    expect(line).toBeDefined();
    const mine = await s.http.get('/api/me/invites').set('Authorization', worker.auth);
    expect(mine.body.data).toEqual([expect.objectContaining({ id: res.body.id, status: 'sent', guild_id: g.id, guild_name: g.name })]);
    expect((await s.http.get('/api/me/invites').set('Authorization', stranger.auth)).body.data).toEqual([]);
    expect((await s.http.post(`/api/invites/${res.body.id}/accept`).set('Authorization', stranger.auth)).status).toBe(404);
    expect((await s.http.post(`/api/invites/${res.body.id}/accept?token=og_wrong`).set('Authorization', stranger.auth)).status).toBe(404);
    const accepted = await s.http.post(`/api/invites/${res.body.id}/accept`).set('Authorization', worker.auth);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({
      object: 'Member',
      id: expect.any(String),
      guild_id: g.id,
      email: worker.email,
      quality_score: 1,
      credit: '$0.00',
      credit_cents: 0,
      created: expect.stringMatching(TIME),
      updated: expect.any(String),
    });
    expect(await inviteStatus(s, res.body.id)).toBe('accepted');
    expect((await s.http.post(`/api/invites/${res.body.id}/accept`).set('Authorization', worker.auth)).status).toBe(409);
    expect((await s.http.get('/api/me/invites').set('Authorization', worker.auth)).body.data).toEqual([]);
    const list = await s.http.get(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth);
    expect(list.body.data).toEqual([expect.objectContaining({ id: res.body.id, status: 'accepted' })]);
    expect((await s.http.post('/api/invites/99999999/accept').set('Authorization', worker.auth)).status).toBe(404);
  });

  it('refuses duplicate pending invites, inviting active members, and bad emails', async () => {
    const g = await createGuild(s.http, owner);
    const email = uniqueEmail('later');
    expect((await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email })).status).toBe(201);
    const dup = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email: email.toUpperCase() });
    expect(dup.status).toBe(409);
    expect(dup.body.type).toBe('Conflict');
    await addMember(s.http, owner, g.id, worker);
    expect((await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email: worker.email })).status).toBe(409);
    for (const body of [{}, { email: 'not-an-email' }, { email: 5 }, { email: 'a@b.co', role: 'admin' }]) {
      const res = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send(body);
      expect(res.status).toBe(422);
    }
  });

  it('accepts with the mailed token for a user who registers after the invite', async () => {
    const g = await createGuild(s.http, owner);
    const email = uniqueEmail('newcomer');
    const inv = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email });
    await waitFor(async () => ((await inviteStatus(s, inv.body.id)) === 'sent' ? true : undefined));
    const line = s.logs.lines.find((l) => l.includes(`/api/invites/${inv.body.id}/accept?token=`))!;
    const link: string = JSON.parse(line).invite_link;
    expect(link.startsWith(`${s.config.publicUrl}/api/invites/${inv.body.id}/accept?token=`)).toBe(true);
    const token = decodeURIComponent(new URL(link).searchParams.get('token')!);
    const stored = await s.sql<{ token_hash: Buffer }>('SELECT token_hash FROM invites WHERE id = $1', [inv.body.id]);
    expect(stored[0].token_hash.toString('utf8')).not.toContain(token);
    const newcomer = await registerUser(s.http, email);
    const res = await s.http.post(`/api/invites/${inv.body.id}/accept?token=${encodeURIComponent(token)}`).set('Authorization', newcomer.auth);
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(email);
  });

  it('a revoked invite cannot be accepted', async () => {
    const g = await createGuild(s.http, owner);
    const u = await registerUser(s.http);
    const inv = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email: u.email });
    const rev = await s.http.delete(`/api/invites/${inv.body.id}`).set('Authorization', owner.auth);
    expect(rev.status).toBe(200);
    expect(rev.body.status).toBe('revoked');
    expect((await s.http.post(`/api/invites/${inv.body.id}/accept`).set('Authorization', u.auth)).status).toBe(404);
    // a new invite is possible once the old one is revoked
    expect((await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email: u.email })).status).toBe(201);
  });

  it('lists, finds, reads and removes members; credit comes from the wallet', async () => {
    const { guild, tasks } = await createPipeline(s.http, owner, { input_parameters: ['q'], tasks: [{ name: 'a', minimum_amount_cents: 100 }] });
    const w = await registerUser(s.http);
    const m = await addMember(s.http, owner, guild.id, w);
    // the member earns its credit by real work: a paid batch of two data, one submitted now, one held
    await subscribe(s.http, w, tasks[0].id);
    expect((await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' })).status).toBe(201);
    const batch = await s.http
      .post(`/api/guilds/${guild.id}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ q: '1' }, { q: '2' }] } });
    expect((await s.http.post(`/api/batches/${batch.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const done = await s.http.post(`/api/tasks/${tasks[0].id}/claims`).set('Authorization', w.auth);
    expect(
      (
        await s.http
          .post(`/api/assignments/${done.body.id}/submit`)
          .set('Authorization', w.auth)
          .send({ parameters: { a: 'x' } })
      ).status,
    ).toBe(200);
    const wallets = await s.http.get('/api/wallets').set('Authorization', w.auth);
    const earned: number = wallets.body.data.find((x: { guild_id: string }) => x.guild_id === guild.id).balance_cents;
    expect(earned).toBeGreaterThan(0);
    const got = await s.http.get(`/api/members/${m.id}`).set('Authorization', owner.auth);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(expect.objectContaining({ id: m.id, email: w.email, credit_cents: earned, quality_score: 1 }));
    await s.sql(`UPDATE members SET quality_score = 0.86 WHERE id = $1`, [m.id]);
    expect((await s.http.get(`/api/guilds/${guild.id}/members/${m.id}`).set('Authorization', owner.auth)).body.quality_score).toBe(0.86);
    expect((await s.http.get(`/api/guild/${guild.id}/members/${m.id}`).set('Authorization', owner.auth)).status).toBe(200);
    expect((await s.http.get(`/api/members/${m.id}`).set('Authorization', w.auth)).status).toBe(200); // own membership
    const list = await s.http.get(`/api/guilds/${guild.id}/members`).set('Authorization', owner.auth);
    expect(list.body).toEqual(expect.objectContaining({ object: 'List', url: `/api/guilds/${guild.id}/members`, has_more: false }));
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([m.id]);
    const found = await s.http.get(`/api/guilds/${guild.id}/members/find`).query({ email: w.email.toUpperCase() }).set('Authorization', owner.auth);
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(m.id);
    expect((await s.http.get(`/api/guilds/${guild.id}/members/find`).query({ email: 'nobody@example.com' }).set('Authorization', owner.auth)).status).toBe(404);
    const missing = await s.http.get(`/api/guilds/${guild.id}/members/find`).set('Authorization', owner.auth);
    expect(missing.status).toBe(422);
    expect(missing.body.error).toBe('param is missing or the value is empty: email');

    // a live assignment of the member (a real claim), to see it released
    const live = await s.http.post(`/api/tasks/${tasks[0].id}/claims`).set('Authorization', w.auth);
    expect(live.status).toBe(201);
    const asg = { id: live.body.id as string };
    const [item] = await s.sql<{ id: string }>('SELECT work_item_id AS id FROM assignments WHERE id = $1', [asg.id]);
    expect((await s.http.get('/api/me/tasks').set('Authorization', w.auth)).body.data[0].open_work_count).toBe(0);

    const del = await s.http.delete(`/api/guilds/${guild.id}/members/${m.id}`).set('Authorization', owner.auth);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ object: 'Member', id: m.id, deleted: true });
    expect((await s.sql<{ status: string }>('SELECT status FROM assignments WHERE id = $1', [asg.id]))[0].status).toBe('released');
    expect(await s.sql('SELECT status, assignment_id, lease_expires_at FROM work_items WHERE id = $1', [item.id])).toEqual([
      { status: 'open', assignment_id: null, lease_expires_at: null },
    ]);
    expect(await s.sql('SELECT * FROM subscriptions WHERE member_id = $1', [m.id])).toEqual([]);
    expect((await s.sql<{ status: string }>('SELECT status FROM members WHERE id = $1', [m.id]))[0].status).toBe('removed');
    expect(
      (await s.sql<{ balance_cents: string }>(`SELECT balance_cents FROM ledger_accounts WHERE kind = 'wallet' AND user_id = $1`, [w.id]))[0].balance_cents,
    ).toBe(String(earned));
    expect((await s.http.get(`/api/members/${m.id}`).set('Authorization', owner.auth)).status).toBe(404);
    expect((await s.http.delete(`/api/members/${m.id}`).set('Authorization', owner.auth)).status).toBe(404);
    expect((await s.http.get(`/api/guilds/${guild.id}`).set('Authorization', w.auth)).status).toBe(404);
    expect((await s.http.get('/api/me/tasks').set('Authorization', w.auth)).body.data).toEqual([]);

    // re-invited, the same member row comes back
    const again = await addMember(s.http, owner, guild.id, w);
    expect(again.id).toBe(m.id);
    expect(again.credit_cents).toBe(earned);
    const del2 = await s.http.delete(`/api/members/${m.id}`).set('Authorization', owner.auth);
    expect(del2.body).toEqual({ object: 'Member', id: m.id, deleted: true });
  });

  it('subscriptions: members only, idempotent, with open work counts', async () => {
    const { guild, tasks } = await createPipeline(s.http, owner, {
      tasks: [
        { name: 'a', minimum_amount_cents: 100 },
        { name: 'b', minimum_amount_cents: 1 },
      ],
    });
    const w = await registerUser(s.http);
    await addMember(s.http, owner, guild.id, w);
    expect((await s.http.post(`/api/tasks/${tasks[0].id}/subscriptions`).set('Authorization', owner.auth)).status).toBe(403);
    expect((await s.http.post(`/api/tasks/${tasks[0].id}/subscriptions`).set('Authorization', stranger.auth)).status).toBe(404);
    const sub = await s.http.post(`/api/tasks/${tasks[0].id}/subscriptions`).set('Authorization', w.auth);
    expect(sub.status).toBe(201);
    expect(sub.body).toEqual({ object: 'Subscription', task_id: tasks[0].id, member_id: expect.any(String), created: expect.stringMatching(TIME) });
    expect((await s.http.post(`/api/tasks/${tasks[0].id}/subscriptions`).set('Authorization', w.auth)).status).toBe(200);
    await subscribe(s.http, w, tasks[1].id);
    const [batch] = await s.sql<{ id: string }>(`INSERT INTO batches (guild_id, owner_id, status) VALUES ($1, $2, 'processing') RETURNING id`, [
      guild.id,
      owner.id,
    ]);
    const statuses: Array<[string, string | null, boolean]> = [
      ['open', null, false],
      ['open', null, false],
      ['claimed', "now() - interval '1 minute'", false], // lapsed lease: open again
      ['claimed', "now() - interval '1 minute'", true], // lapsed but canceled: never handed out again
      ['claimed', "now() + interval '1 minute'", false],
      ['waiting', null, false],
      ['done', null, false],
    ];
    for (const [status, lease, canceled] of statuses) {
      const [d] = await s.sql<{ id: string }>(`INSERT INTO data (batch_id) VALUES ($1) RETURNING id`, [batch.id]);
      await s.sql(
        `INSERT INTO work_items (batch_id, datum_id, task_id, status, reward_cents, lease_expires_at, canceled) VALUES ($1, $2, $3, $4, 100, ${lease ?? 'NULL'}, $5)`,
        [batch.id, d.id, tasks[0].id, status, canceled],
      );
    }
    const mine = await s.http.get('/api/me/tasks').set('Authorization', w.auth);
    expect(mine.status).toBe(200);
    expect(mine.body.url).toBe('/api/me/tasks');
    expect(mine.body.data.map((t: { id: string; open_work_count: number }) => [t.id, t.open_work_count])).toEqual([
      [tasks[1].id, 0],
      [tasks[0].id, 3],
    ]);
    const un = await s.http.delete(`/api/tasks/${tasks[0].id}/subscriptions`).set('Authorization', w.auth);
    expect(un.status).toBe(200);
    expect(un.body).toEqual(expect.objectContaining({ object: 'Subscription', task_id: tasks[0].id, deleted: true }));
    expect((await s.http.delete(`/api/tasks/${tasks[0].id}/subscriptions`).set('Authorization', w.auth)).status).toBe(404);
    expect((await s.http.get('/api/me/tasks').set('Authorization', w.auth)).body.data.map((t: { id: string }) => t.id)).toEqual([tasks[1].id]);
  });
});

describe('invite mail over SMTP', () => {
  let smtp: SMTPServer;
  let s: TestServer;
  const mails: Array<{ to: string[]; from: string; body: string }> = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            body: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const port = (smtp.server.address() as AddressInfo).port;
    s = await startTestServer({}, { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Guilds <guilds@example.com>' });
  });
  afterAll(async () => {
    await s.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('mails the accept link to the invitee, and the link works', async () => {
    const owner = await registerUser(s.http);
    const g = await createGuild(s.http, owner, { name: 'Mail Guild' });
    const email = uniqueEmail('mailed');
    const inv = await s.http.post(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth).send({ email });
    expect(inv.status).toBe(201);
    expect(inv.body.status).toBe('sending');
    const mail = await waitFor(async () => mails.find((m) => m.to.includes(email)));
    expect(mail.to).toEqual([email]);
    expect(mail.from).toBe('guilds@example.com');
    // undo quoted-printable soft line breaks and escapes
    const text = mail.body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    expect(text).toContain('Mail Guild');
    const match = new RegExp(`${s.config.publicUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/api/invites/${inv.body.id}/accept\\?token=([\\w%-]+)`).exec(text);
    expect(match).not.toBeNull();
    await waitFor(async () => ((await inviteStatus(s, inv.body.id)) === 'sent' ? true : undefined));
    expect((await s.http.get(`/api/guilds/${g.id}/invites`).set('Authorization', owner.auth)).body.data[0].status).toBe('sent');
    expect(s.logs.text()).not.toContain(decodeURIComponent(match![1]));
    const invitee = await registerUser(s.http, email);
    const res = await s.http.post(`/api/invites/${inv.body.id}/accept?token=${match![1]}`).set('Authorization', invitee.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ object: 'Member', email }));
  });
});
