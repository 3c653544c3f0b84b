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
    // no lease sweep runs (hourly): a lapsed claim stays as the lease left it, so the open work
    // count is read on the state the test made, not on whatever a sweep did to it meanwhile
    s = await startTestServer({ leaseSweepIntervalMs: 3_600_000 });
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
      blocked: false,
      blocked_reason: null,
      blocked_at: null,
      blocked_until: null,
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
    // quality_score: 1 until the member has scored answers (nothing in this guild is scored)
    expect((await s.http.get(`/api/guilds/${guild.id}/members/${m.id}`).set('Authorization', owner.auth)).body.quality_score).toBe(1);
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

  it('subscriptions: members only, idempotent, with open work counts (every state made through the API)', async () => {
    // P → A, and B on its own; w (whose counts are read) is subscribed to A and B, w2 does the work
    const { guild, tasks } = await createPipeline(s.http, owner, {
      input_parameters: ['q'],
      tasks: [
        { name: 'a', minimum_amount_cents: 100, lease_seconds: 3600 },
        { name: 'b', minimum_amount_cents: 1 },
        { name: 'p', minimum_amount_cents: 1 },
      ],
      connections: [[2, 0]],
    });
    const [A, B, P] = tasks.map((t) => t.id as string);
    const w = await registerUser(s.http);
    await addMember(s.http, owner, guild.id, w);
    expect((await s.http.post(`/api/tasks/${A}/subscriptions`).set('Authorization', owner.auth)).status).toBe(403);
    expect((await s.http.post(`/api/tasks/${A}/subscriptions`).set('Authorization', stranger.auth)).status).toBe(404);
    const sub = await s.http.post(`/api/tasks/${A}/subscriptions`).set('Authorization', w.auth);
    expect(sub.status).toBe(201);
    expect(sub.body).toEqual({ object: 'Subscription', task_id: A, member_id: expect.any(String), created: expect.stringMatching(TIME) });
    expect((await s.http.post(`/api/tasks/${A}/subscriptions`).set('Authorization', w.auth)).status).toBe(200);
    await subscribe(s.http, w, B);
    const w2 = await registerUser(s.http);
    await addMember(s.http, owner, guild.id, w2);
    await subscribe(s.http, w2, P);
    await subscribe(s.http, w2, A);
    expect((await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' })).status).toBe(201);
    const counts = async () =>
      ((await s.http.get('/api/me/tasks').set('Authorization', w.auth)).body.data as Array<{ id: string; open_work_count: number }>).map((t) => [
        t.id,
        t.open_work_count,
      ]);
    const claim = async (task: string): Promise<string> => {
      const res = await s.http.post(`/api/tasks/${task}/claims`).set('Authorization', w2.auth);
      expect(res.status).toBe(201);
      return res.body.id;
    };
    const submit = async (id: string) =>
      expect(
        (
          await s.http
            .post(`/api/assignments/${id}/submit`)
            .set('Authorization', w2.auth)
            .send({ parameters: { r: 'x' } })
        ).status,
      ).toBe(200);
    const batch = async (n: number): Promise<string> => {
      const res = await s.http
        .post(`/api/guilds/${guild.id}/batches`)
        .set('Authorization', owner.auth)
        .send({ batch: { data: Array.from({ length: n }, (_x, i) => ({ q: String(i) })) } });
      expect(res.status).toBe(201);
      expect((await s.http.post(`/api/batches/${res.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
      return res.body.id;
    };
    /** the clock stand-in (leases are decided by the database clock): the claim's lease is moved into the past */
    const lapse = async (id: string) =>
      expect(
        await s.sql(
          `WITH a AS (UPDATE assignments SET expires = now() - interval '1 minute' WHERE id = $1 AND status = 'claimed' RETURNING id)
           UPDATE work_items SET lease_expires_at = now() - interval '1 minute' WHERE assignment_id IN (SELECT id FROM a) RETURNING id`,
          [id],
        ),
      ).toHaveLength(1);

    // a claim at A of a batch canceled while it was held, then lapsed: never handed out again
    const canceled = await batch(1);
    await submit(await claim(P));
    const heldOnCanceled = await claim(A);
    expect((await s.http.delete(`/api/batches/${canceled}`).set('Authorization', owner.auth)).status).toBe(200);
    await lapse(heldOnCanceled);
    // six data: five pass P (one stays waiting at A); at A one is done, one held, one lapsed, two open
    await batch(6);
    for (let i = 0; i < 5; i++) await submit(await claim(P));
    await submit(await claim(A));
    await claim(A); // held: a live lease
    await lapse(await claim(A)); // lapsed: open again
    expect(await counts()).toEqual([
      [B, 6], // B starts a pipeline of its own: the six live data are open there; the canceled one is not
      [A, 3], // two open + the lapsed one; not the held, done, waiting or canceled work
    ]);
    // what /api/me/tasks counts is what a claim can get: three claims, then none
    const w3 = await registerUser(s.http);
    await addMember(s.http, owner, guild.id, w3);
    await subscribe(s.http, w3, A);
    for (let i = 0; i < 3; i++) expect((await s.http.post(`/api/tasks/${A}/claims`).set('Authorization', w3.auth)).status).toBe(201);
    expect((await s.http.post(`/api/tasks/${A}/claims`).set('Authorization', w3.auth)).status).toBe(204);
    expect(await counts()).toEqual([
      [B, 6],
      [A, 0],
    ]);
    const un = await s.http.delete(`/api/tasks/${A}/subscriptions`).set('Authorization', w.auth);
    expect(un.status).toBe(200);
    expect(un.body).toEqual(expect.objectContaining({ object: 'Subscription', task_id: A, deleted: true }));
    expect((await s.http.delete(`/api/tasks/${A}/subscriptions`).set('Authorization', w.auth)).status).toBe(404);
    expect((await s.http.get('/api/me/tasks').set('Authorization', w.auth)).body.data.map((t: { id: string }) => t.id)).toEqual([B]);
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
