import { registerUser, TestUser, uniqueEmail } from './support/fixtures';
import { addMember, createPipeline, createWorkspace } from './support/guild-fixtures';
import { startTestServer, TestServer } from './support/server';

/**
 * Walks every endpoint of guilds, workspaces, tasks, connections, members, invites and
 * subscriptions as anonymous (401), a stranger (404), a member and the owner, and asserts the
 * status each gets. Writes that change state run on fresh records per caller.
 */
type Who = 'anon' | 'stranger' | 'member' | 'owner';
type Method = 'get' | 'post' | 'patch' | 'delete';

interface World {
  guildId: string;
  taskA: string;
  taskB: string;
  taskC: string;
  connection: string;
  memberId: string;
  otherMemberId: string;
  invite: string;
  closedWs: string;
}

describe('visibility matrix: every guild endpoint as anonymous, stranger, member and owner', () => {
  let s: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let other: TestUser;
  let stranger: TestUser;
  const users = (): Record<Exclude<Who, 'anon'>, TestUser> => ({ owner, member, stranger });

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    member = await registerUser(s.http);
    other = await registerUser(s.http);
    stranger = await registerUser(s.http);
  });
  afterAll(() => s.close());

  /** A fresh guild per row so destructive calls do not affect each other. */
  async function world(): Promise<World> {
    const { guild, tasks } = await createPipeline(s.http, owner, {
      tasks: [
        { name: 'a', minimum_amount_cents: 1 },
        { name: 'b', minimum_amount_cents: 2 },
        { name: 'c', minimum_amount_cents: 3 },
      ],
      connections: [[0, 1]],
    });
    const conn = await s.http.get(`/api/tasks/${tasks[0].id}`).set('Authorization', owner.auth);
    const m = await addMember(s.http, owner, guild.id, member);
    const om = await addMember(s.http, owner, guild.id, other);
    const inv = await s.http
      .post(`/api/guilds/${guild.id}/invites`)
      .set('Authorization', owner.auth)
      .send({ email: uniqueEmail('pending') });
    const ws = await s.http
      .post('/api/workspaces')
      .set('Authorization', owner.auth)
      .send({ name: 'closed', preview: 'https://c.example.com', permissions: 'closed' });
    return {
      guildId: guild.id,
      taskA: tasks[0].id,
      taskB: tasks[1].id,
      taskC: tasks[2].id,
      connection: conn.body.connections[0].id,
      memberId: m.id,
      otherMemberId: om.id,
      invite: inv.body.id,
      closedWs: ws.body.id,
    };
  }

  // [name, method, path(world), body, expected per caller]
  const rows: Array<[string, Method, (w: World) => string, ((w: World) => object) | undefined, Record<Who, number>]> = [
    ['list my guilds', 'get', () => '/api/guilds', undefined, { anon: 401, stranger: 200, member: 200, owner: 200 }],
    ['create a guild', 'post', () => '/api/guilds', () => ({ name: 'g', description: '' }), { anon: 401, stranger: 201, member: 201, owner: 201 }],
    ['read a guild', 'get', (w) => `/api/guilds/${w.guildId}`, undefined, { anon: 401, stranger: 404, member: 200, owner: 200 }],
    ['read a guild (alias)', 'get', (w) => `/api/guild/${w.guildId}`, undefined, { anon: 401, stranger: 404, member: 200, owner: 200 }],
    ['patch a guild', 'patch', (w) => `/api/guilds/${w.guildId}`, () => ({ name: 'x' }), { anon: 401, stranger: 404, member: 403, owner: 200 }],
    ['list workspaces', 'get', () => '/api/workspaces', undefined, { anon: 401, stranger: 200, member: 200, owner: 200 }],
    [
      'create a workspace',
      'post',
      () => '/api/workspaces',
      () => ({ name: 'w', preview: 'https://w.example.com', permissions: 'open' }),
      { anon: 401, stranger: 201, member: 201, owner: 201 },
    ],
    ['read a closed workspace', 'get', (w) => `/api/workspaces/${w.closedWs}`, undefined, { anon: 401, stranger: 404, member: 404, owner: 200 }],
    [
      'create a task',
      'post',
      (w) => `/api/guilds/${w.guildId}/tasks`,
      () => ({ name: 't', minimum_amount_cents: 1 }),
      { anon: 401, stranger: 404, member: 403, owner: 201 },
    ],
    ['list tasks', 'get', (w) => `/api/guilds/${w.guildId}/tasks`, undefined, { anon: 401, stranger: 404, member: 200, owner: 200 }],
    ['read a task (nested)', 'get', (w) => `/api/guilds/${w.guildId}/tasks/${w.taskA}`, undefined, { anon: 401, stranger: 404, member: 200, owner: 200 }],
    ['read a task', 'get', (w) => `/api/tasks/${w.taskA}`, undefined, { anon: 401, stranger: 404, member: 200, owner: 200 }],
    ["read a task's connections", 'get', (w) => `/api/tasks/${w.taskA}/connections`, undefined, { anon: 401, stranger: 404, member: 200, owner: 200 }],
    ['patch a task', 'patch', (w) => `/api/tasks/${w.taskA}`, () => ({ name: 'x' }), { anon: 401, stranger: 404, member: 403, owner: 200 }],
    [
      'connect tasks',
      'post',
      (w) => `/api/guilds/${w.guildId}/connections`,
      (w) => ({ source: w.taskB, target: w.taskC }),
      { anon: 401, stranger: 404, member: 403, owner: 201 },
    ],
    ['delete a connection', 'delete', (w) => `/api/connections/${w.connection}`, undefined, { anon: 401, stranger: 404, member: 403, owner: 200 }],
    ['list members', 'get', (w) => `/api/guilds/${w.guildId}/members`, undefined, { anon: 401, stranger: 404, member: 403, owner: 200 }],
    ['list members (alias)', 'get', (w) => `/api/guild/${w.guildId}/members`, undefined, { anon: 401, stranger: 404, member: 403, owner: 200 }],
    [
      'find a member',
      'get',
      (w) => `/api/guilds/${w.guildId}/members/find?email=${encodeURIComponent(other.email)}`,
      undefined,
      { anon: 401, stranger: 404, member: 403, owner: 200 },
    ],
    [
      'find a member (alias)',
      'get',
      (w) => `/api/guild/${w.guildId}/members/find?email=${encodeURIComponent(other.email)}`,
      undefined,
      { anon: 401, stranger: 404, member: 403, owner: 200 },
    ],
    [
      'read own membership (nested)',
      'get',
      (w) => `/api/guilds/${w.guildId}/members/${w.memberId}`,
      undefined,
      { anon: 401, stranger: 404, member: 200, owner: 200 },
    ],
    ['read own membership', 'get', (w) => `/api/members/${w.memberId}`, undefined, { anon: 401, stranger: 404, member: 200, owner: 200 }],
    ["read another member's record", 'get', (w) => `/api/members/${w.otherMemberId}`, undefined, { anon: 401, stranger: 404, member: 404, owner: 200 }],
    [
      "read another member's record (alias)",
      'get',
      (w) => `/api/guild/${w.guildId}/members/${w.otherMemberId}`,
      undefined,
      { anon: 401, stranger: 404, member: 404, owner: 200 },
    ],
    [
      'remove a member (nested)',
      'delete',
      (w) => `/api/guilds/${w.guildId}/members/${w.otherMemberId}`,
      undefined,
      { anon: 401, stranger: 404, member: 404, owner: 200 },
    ],
    [
      'remove a member (alias)',
      'delete',
      (w) => `/api/guild/${w.guildId}/members/${w.otherMemberId}`,
      undefined,
      { anon: 401, stranger: 404, member: 404, owner: 200 },
    ],
    ['remove a member', 'delete', (w) => `/api/members/${w.otherMemberId}`, undefined, { anon: 401, stranger: 404, member: 404, owner: 200 }],
    ['remove oneself', 'delete', (w) => `/api/members/${w.memberId}`, undefined, { anon: 401, stranger: 404, member: 403, owner: 200 }],
    ['invite', 'post', (w) => `/api/guilds/${w.guildId}/invites`, () => ({ email: uniqueEmail('inv') }), { anon: 401, stranger: 404, member: 403, owner: 201 }],
    ['list invites', 'get', (w) => `/api/guilds/${w.guildId}/invites`, undefined, { anon: 401, stranger: 404, member: 403, owner: 200 }],
    ['revoke an invite', 'delete', (w) => `/api/invites/${w.invite}`, undefined, { anon: 401, stranger: 404, member: 403, owner: 200 }],
    ["accept someone else's invite", 'post', (w) => `/api/invites/${w.invite}/accept`, undefined, { anon: 401, stranger: 404, member: 404, owner: 404 }],
    ['my invites', 'get', () => '/api/me/invites', undefined, { anon: 401, stranger: 200, member: 200, owner: 200 }],
    ['subscribe', 'post', (w) => `/api/tasks/${w.taskA}/subscriptions`, undefined, { anon: 401, stranger: 404, member: 201, owner: 403 }],
    ['unsubscribe (not subscribed)', 'delete', (w) => `/api/tasks/${w.taskA}/subscriptions`, undefined, { anon: 401, stranger: 404, member: 404, owner: 404 }],
    ['my tasks', 'get', () => '/api/me/tasks', undefined, { anon: 401, stranger: 200, member: 200, owner: 200 }],
  ];

  it.each(rows)('%s', async (_name, method, path, body, expected) => {
    for (const who of ['anon', 'stranger', 'member', 'owner'] as Who[]) {
      const w = await world();
      const req = s.http[method](path(w));
      if (who !== 'anon') req.set('Authorization', users()[who].auth);
      if (body) req.send(body(w));
      const res = await req;
      expect({ who, status: res.status }).toEqual({ who, status: expected[who] });
      if (expected[who] === 404) expect(res.body.type).toBe('RecordNotFound');
      if (expected[who] === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="OpenGuilds"');
    }
  });

  it('a member can subscribe and then unsubscribe', async () => {
    const w = await world();
    expect((await s.http.post(`/api/tasks/${w.taskA}/subscriptions`).set('Authorization', member.auth)).status).toBe(201);
    expect((await s.http.delete(`/api/tasks/${w.taskA}/subscriptions`).set('Authorization', member.auth)).status).toBe(200);
  });

  it('an open workspace of someone else is readable', async () => {
    const ws = await createWorkspace(s.http, owner);
    expect((await s.http.get(`/api/workspaces/${ws.id}`).set('Authorization', stranger.auth)).status).toBe(200);
  });
});
