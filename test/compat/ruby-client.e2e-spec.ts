import { registerUser, TestUser } from '../support/fixtures';
import { addMember, createPipeline } from '../support/guild-fixtures';
import { expectLedgerInvariant } from '../support/ledger';
import { startTestServer, TestServer } from '../support/server';
import { executeRequest, RUBY_CLASSES, RubyMethod, rubyErrorClass } from './ruby-client';
import {
  expectBatch,
  expectDatum,
  expectGuild,
  expectInvite,
  expectList,
  expectMember,
  expectRubyClass,
  expectTransaction,
  expectWallet,
  ID,
} from './wire-shapes';

type Wire = Record<string, any>;

/**
 * Every call the published `open-guilds` client exposes, replayed as it sends it (method, path
 * under api_base, headers, JSON body — "{}" on GET and DELETE), once without OpenGuilds-Version
 * and once with the version the client was written against. Each response is checked for the
 * fields its classes read, with their types.
 */
describe.each([undefined, '2018-12-18'])('compat: the open-guilds Ruby client, OpenGuilds-Version %s', (apiVersion) => {
  let s: TestServer;
  let owner: TestUser;
  let worker: TestUser;
  let guild: Wire;

  /** Client#execute_request with the owner's key (OpenGuilds.api_key) */
  const call = (method: RubyMethod, path: string, params?: unknown, user?: TestUser, retries = false) =>
    executeRequest({ baseUrl: s.url, apiKey: (user ?? owner).key, apiVersion, retries }, method, path, params);

  /** Batch.create(guild:, params:) with the params of the gem's own spec (Rails nested attributes) */
  const createBatch = (path = `/guilds/${guild.id}/batches`) =>
    call('post', path, { batch: { data_attributes: [{ parameters_attributes: [{ key: 'key', value: 'value' }] }] } });

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    worker = await registerUser(s.http);
    ({ guild } = await createPipeline(s.http, owner, {
      input_parameters: ['key'],
      tasks: [
        { name: 'Transcribe', minimum_amount_cents: 150 },
        { name: 'Review', minimum_amount_cents: 50 },
      ],
      connections: [[0, 1]],
    }));
    const card = await s.http.post('/api/payment_methods').set('Authorization', owner.auth).send({ source: 'tok_visa' });
    expect(card.status).toBe(201);
    await addMember(s.http, owner, guild.id, worker);
  });
  afterAll(() => s.close());

  describe('Guild', () => {
    it('Guild.list: GET /guilds → List of Guild', async () => {
      const res = await call('get', '/guilds');
      expect(res.status).toBe(200);
      const guilds = expectList(res.body, '/api/guilds');
      expect(guilds.map((g) => g.id)).toContain(guild.id);
      guilds.forEach((g) => (expectRubyClass(g, RUBY_CLASSES), expectGuild(g)));
    });

    it('Guild.get(id): GET /guilds/:id → Guild', async () => {
      const res = await call('get', `/guilds/${guild.id}`);
      expect(res.status).toBe(200);
      expectGuild(res.body);
      expect(res.body).toMatchObject({ id: guild.id, price_floor: '$2.00', price_floor_cents: 200 });
    });
  });

  describe('Batch', () => {
    it('Batch.create: POST /guilds/:id/batches with data_attributes/parameters_attributes → 201 Batch', async () => {
      const res = await createBatch();
      expect(res.status).toBe(201);
      const { data } = expectBatch(res.body, apiVersion);
      expect(res.body).toMatchObject({ data_count: 1, data_completed_count: 0, status: 'unpaid', cost_cents: 200 });
      expect(data).toHaveLength(1);
      expect(data[0].parameters).toEqual({ key: 'value' });
      data.forEach((d) => expectRubyClass(d, RUBY_CLASSES));
    });

    it('Batch.create of open-guilds ≤ 0.0.9: POST /guild/:id/batches', async () => {
      const res = await createBatch(`/guild/${guild.id}/batches`);
      expect(res.status).toBe(201);
      expectBatch(res.body, apiVersion);
    });

    it('Batch.create without the root key → 422 whose `error` is the Rails message (InvalidParametersError)', async () => {
      const res = await call('post', `/guilds/${guild.id}/batches`, {});
      expect(res.status).toBe(422);
      expect(rubyErrorClass(res)).toEqual({ klass: 'InvalidParametersError', message: 'param is missing or the value is empty: batch' });
    });

    it('Batch.create with a datum missing an input parameter → 422 naming it', async () => {
      const res = await call('post', `/guilds/${guild.id}/batches`, {
        batch: { data_attributes: [{ parameters_attributes: [{ key: 'other', value: 'v' }] }] },
      });
      expect(res.status).toBe(422);
      expect(rubyErrorClass(res)?.message).toContain('key');
    });

    it('Batch.get(id): GET /batches/:id → Batch with its data as Datum objects', async () => {
      const created = await createBatch();
      const res = await call('get', `/batches/${created.body.id}`);
      expect(res.status).toBe(200);
      const { data } = expectBatch(res.body, apiVersion);
      expect(data.map((d) => d.parameters)).toEqual([{ key: 'value' }]);
    });

    it('Batch.get of an unknown or foreign batch → 404 RecordNotFound (RecordNotFoundError)', async () => {
      const created = await createBatch();
      for (const [id, user] of [
        ['999999999', owner],
        [created.body.id, worker],
      ] as const) {
        const res = await call('get', `/batches/${id}`, {}, user);
        expect(res.status).toBe(404);
        expect(rubyErrorClass(res)).toEqual({ klass: 'RecordNotFoundError' });
      }
    });

    it('Batch.list: GET /batches → List of Batch', async () => {
      await createBatch();
      const res = await call('get', '/batches');
      expect(res.status).toBe(200);
      const batches = expectList(res.body, '/api/batches');
      expect(batches.length).toBeGreaterThan(0);
      batches.forEach((b) => (expectRubyClass(b, RUBY_CLASSES), expectBatch(b, apiVersion)));
    });

    it('Batch.pay(id): POST /batches/:id/debits with "{}" → 201 Transaction (Guild Debit)', async () => {
      const created = await createBatch();
      const res = await call('post', `/batches/${created.body.id}/debits`, {}, owner, true);
      expect(res.status).toBe(201);
      expectRubyClass(res.body, RUBY_CLASSES);
      expectTransaction(res.body);
      expect(res.body).toMatchObject({ type: 'Guild Debit', amount: '$2.00', amount_cents: 200 });
      const after = await call('get', `/batches/${created.body.id}`);
      expect(after.body.status).toBe('processing');
      expectBatch(after.body, apiVersion).data.forEach((d) => expect(d.status).toBe('processing'));
      const again = await call('post', `/batches/${created.body.id}/debits`);
      expect(again.status).toBe(409);
      await expectLedgerInvariant(s);
    });

    it('Batch.cancel(id): DELETE /batches/:id with "{}" → {object: Batch, id, canceled: true}', async () => {
      const created = await createBatch();
      const res = await call('delete', `/batches/${created.body.id}`, {}, owner, true);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ object: 'Batch', id: created.body.id, canceled: true });
      const after = await call('get', `/batches/${created.body.id}`);
      expect(after.body.status).toBe('canceled');
    });

    it('Batch.cancel of a paid batch refunds the unclaimed work to the wallet', async () => {
      const wallet = async (): Promise<number> => {
        const list = await s.http.get('/api/wallets').set('Authorization', owner.auth);
        expect(list.status).toBe(200);
        return list.body.data.find((w: Wire) => w.guild_id === guild.id)?.balance_cents ?? 0;
      };
      const created = await createBatch();
      expect((await call('post', `/batches/${created.body.id}/debits`)).status).toBe(201);
      const paid = await call('get', `/batches/${created.body.id}`);
      expect(paid.body.cost_cents).toBeGreaterThan(0);
      const before = await wallet();
      const res = await call('delete', `/batches/${created.body.id}`);
      expect(res.status).toBe(200);
      expect(res.body.canceled).toBe(true);
      // nothing of it was claimed: the whole cost is back in the owner's wallet of the guild
      expect(await wallet()).toBe(before + paid.body.cost_cents);
      await expectLedgerInvariant(s);
    });
  });

  describe('Member and Invite', () => {
    let memberId: string;

    it('Member.list(guild): GET /guilds/:id/members → List of Member', async () => {
      const res = await call('get', `/guilds/${guild.id}/members`);
      expect(res.status).toBe(200);
      const members = expectList(res.body, `/api/guilds/${guild.id}/members`);
      members.forEach((m) => (expectRubyClass(m, RUBY_CLASSES), expectMember(m)));
      const mine = members.find((m) => m.email === worker.email);
      expect(mine).toBeDefined();
      memberId = mine!.id;
    });

    it('Member.find(guild:, email:): GET /guilds/:id/members/find?email=<unescaped> → Member', async () => {
      const res = await call('get', `/guilds/${guild.id}/members/find?email=${worker.email}`);
      expect(res.status).toBe(200);
      expectMember(res.body);
      expect(res.body).toMatchObject({ id: memberId, email: worker.email });
    });

    it('Member.find of an email that is not a member → 404 RecordNotFound', async () => {
      const res = await call('get', `/guilds/${guild.id}/members/find?email=nobody@example.com`);
      expect(rubyErrorClass(res)).toEqual({ klass: 'RecordNotFoundError' });
    });

    it('Member.get(id): GET /members/:id → Member', async () => {
      const res = await call('get', `/members/${memberId}`);
      expect(res.status).toBe(200);
      expectMember(res.body);
      expect(res.body.id).toBe(memberId);
    });

    it('Member.invite(guild:, email:): POST /guilds/:id/invites {email} → 201 Invite', async () => {
      const email = `invitee-${Date.now()}@example.com`;
      const res = await call('post', `/guilds/${guild.id}/invites`, { email });
      expect(res.status).toBe(201);
      expectRubyClass(res.body, RUBY_CLASSES);
      expectInvite(res.body);
      expect(res.body.email).toBe(email);
      expect(['sending', 'sent']).toContain(res.body.status);
    });

    it('Member.remove(id): DELETE /members/:id with "{}" → {object: Member, id, deleted: true}', async () => {
      const extra = await registerUser(s.http);
      const member = await addMember(s.http, owner, guild.id, extra);
      const res = await call('delete', `/members/${member.id}`, {}, owner, true);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ object: 'Member', id: member.id, deleted: true });
      const gone = await call('get', `/members/${member.id}`);
      expect(rubyErrorClass(gone)).toEqual({ klass: 'RecordNotFoundError' });
    });

    it('Member.get by a stranger → 404 RecordNotFound, never 403', async () => {
      const stranger = await registerUser(s.http);
      const res = await call('get', `/members/${memberId}`, {}, stranger);
      expect(rubyErrorClass(res)).toEqual({ klass: 'RecordNotFoundError' });
    });
  });

  describe('Wallet', () => {
    it('Wallet.list: GET /wallets → List of Wallet with their transactions', async () => {
      const res = await call('get', '/wallets');
      expect(res.status).toBe(200);
      const wallets = expectList(res.body, '/api/wallets');
      const mine = wallets.find((w) => w.guild_id === guild.id);
      expect(mine).toBeDefined();
      wallets.forEach((w) => (expectRubyClass(w, RUBY_CLASSES), expectWallet(w, apiVersion)));
    });

    it('Wallet.get(id): GET /wallets/:id → Wallet; the pay above shows as Fiat Credit then Guild Debit, newest first', async () => {
      const list = await call('get', '/wallets');
      const id = list.body.data.find((w: Wire) => w.guild_id === guild.id).id;
      const res = await call('get', `/wallets/${id}`);
      expect(res.status).toBe(200);
      const txs = expectWallet(res.body, apiVersion);
      expect(res.body.id).toMatch(ID);
      expect(txs.map((t) => t.type)).toContain('Guild Debit');
      expect(txs.map((t) => t.type)).toContain('Fiat Credit');
      const times = txs.map((t) => t.created);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it("Wallet.get of another user's wallet → 404 RecordNotFound", async () => {
      const list = await call('get', '/wallets');
      const id = list.body.data[0].id;
      const res = await call('get', `/wallets/${id}`, {}, worker);
      expect(rubyErrorClass(res)).toEqual({ klass: 'RecordNotFoundError' });
    });
  });

  it('a bad key → 401 (AuthorizationError) on every call', async () => {
    for (const [method, path] of [
      ['get', '/guilds'],
      ['get', `/guilds/${guild.id}`],
      ['post', `/guilds/${guild.id}/batches`],
      ['get', '/batches'],
      ['post', '/batches/1/debits'],
      ['delete', '/batches/1'],
      ['get', `/guilds/${guild.id}/members`],
      ['get', '/members/1'],
      ['delete', '/members/1'],
      ['post', `/guilds/${guild.id}/invites`],
      ['get', '/wallets'],
      ['get', '/wallets/1'],
    ] as const) {
      const res = await executeRequest({ baseUrl: s.url, apiKey: 'og_wrong', apiVersion }, method, path);
      expect({ method, path, klass: rubyErrorClass(res)?.klass }).toEqual({ method, path, klass: 'AuthorizationError' });
    }
  });

  it('every Datum the client instantiates is a Datum', async () => {
    const res = await createBatch();
    const data = apiVersion ? res.body.data.data : res.body.data;
    data.forEach(expectDatum);
  });
});
