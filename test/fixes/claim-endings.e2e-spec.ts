import { expectLedgerInvariant } from '../support/ledger';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';
import { escrowCents, giveCard, Pipeline, setUpPipeline, walletCents } from '../support/work-fixtures';
import { startTestServer, TestServer } from '../support/server';

/**
 * Every way a claim ends (issue 13: a claim on a canceled batch whose member was then removed kept
 * its escrow for good). Each scenario: one task paying 100¢, a batch of two data (one claimed,
 * one never claimed), paid by card → escrow 200¢; after each step the balances and the ledger
 * invariant are checked.
 */
describe('claim endings: submit, release, lapse, member removed, batch canceled — in every order', () => {
  let s: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    s = await startTestServer();
    owner = await registerUser(s.http);
    await giveCard(s, owner);
  });
  afterAll(() => s.close());

  interface Scene {
    p: Pipeline;
    batchId: string;
    worker: TestUser & { memberId: string };
    assignment: { id: string; datum: { id: string } };
  }

  async function scene(leaseSeconds = 1800): Promise<Scene> {
    const p = await setUpPipeline(s, owner, { tasks: [{ name: 'Label', minimum_amount_cents: 100, lease_seconds: leaseSeconds }] });
    const b = await s.http
      .post(`/api/guilds/${p.guildId}/batches`)
      .set('Authorization', owner.auth)
      .send({ batch: { data: [{ n: 1 }, { n: 2 }] } });
    expect(b.status).toBe(201);
    expect((await s.http.post(`/api/batches/${b.body.id}/debits`).set('Authorization', owner.auth)).status).toBe(201);
    const worker = await newWorker(p);
    const c = await s.http.post(`/api/tasks/${p.taskIds[0]}/claims`).set('Authorization', worker.auth);
    expect(c.status).toBe(201);
    await expectMoney(p, { escrow: 200, owner: 0, worker: 0, worker2: undefined });
    return { p, batchId: b.body.id, worker, assignment: c.body };
  }

  async function newWorker(p: Pipeline): Promise<TestUser & { memberId: string }> {
    const w = await registerUser(s.http);
    const memberId = (await addMember(s.http, owner, p.guildId, w)).id as string;
    await subscribe(s.http, w, p.taskIds[0]);
    return { ...w, memberId };
  }

  async function expectMoney(p: Pipeline, want: { escrow: number; owner: number; worker: number; worker2?: number }, worker?: TestUser) {
    expect(await escrowCents(s, p.guildId)).toBe(want.escrow);
    expect(await walletCents(s, p.guildId, owner)).toBe(want.owner);
    if (worker) expect(await walletCents(s, p.guildId, worker)).toBe(want.worker);
    await expectLedgerInvariant(s);
  }

  const statusOf = async (assignmentId: string) => (await s.sql<{ status: string }>('SELECT status FROM assignments WHERE id = $1', [assignmentId]))[0].status;
  const workOf = async (assignmentId: string) =>
    (
      await s.sql<{ status: string; canceled: boolean }>(
        'SELECT w.status, w.canceled FROM work_items w JOIN assignments a ON a.work_item_id = w.id WHERE a.id = $1',
        [assignmentId],
      )
    )[0];

  /** Waits on a condition (never on the wall clock): polls until `check` is true. */
  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never happened: ${what}`);
  }

  /**
   * The lease lapses: its end moves into the past (the state a lapse leaves; the work module's own
   * clock is the database's now()), then the app's lease sweeper ends the claim by itself.
   */
  async function lapse(sc: Scene): Promise<void> {
    await s.sql(`UPDATE assignments SET expires = now() - interval '1 second' WHERE id = $1 AND status = 'claimed'`, [sc.assignment.id]);
    await s.sql(`UPDATE work_items SET lease_expires_at = now() - interval '1 second' WHERE assignment_id = $1 AND status = 'claimed'`, [sc.assignment.id]);
    await until('the sweeper ended the lapsed claim', async () => (await statusOf(sc.assignment.id)) !== 'claimed');
  }
  const cancel = async (sc: Scene) => expect((await s.http.delete(`/api/batches/${sc.batchId}`).set('Authorization', owner.auth)).status).toBe(200);
  const remove = async (sc: Scene) => expect((await s.http.delete(`/api/members/${sc.worker.memberId}`).set('Authorization', owner.auth)).status).toBe(200);

  /** Another worker gets exactly the datum the ended claim held: the work is open again. */
  async function expectReclaimable(sc: Scene) {
    const other = await newWorker(sc.p);
    const c = await s.http.post(`/api/tasks/${sc.p.taskIds[0]}/claims`).set('Authorization', other.auth);
    expect(c.status).toBe(201);
    expect(c.body.datum.id).toBe(sc.assignment.datum.id);
  }

  it('submit: the reward moves from escrow to the worker', async () => {
    const sc = await scene();
    const r = await s.http
      .post(`/api/assignments/${sc.assignment.id}/submit`)
      .set('Authorization', sc.worker.auth)
      .send({ parameters: { label: 'cat' } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('submitted');
    await expectMoney(sc.p, { escrow: 100, owner: 0, worker: 100 }, sc.worker);
  });

  it('release: the work is open again, escrow untouched', async () => {
    const sc = await scene();
    const r = await s.http.post(`/api/assignments/${sc.assignment.id}/release`).set('Authorization', sc.worker.auth);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('released');
    await expectMoney(sc.p, { escrow: 200, owner: 0, worker: 0 }, sc.worker);
    await expectReclaimable(sc);
  });

  it('lapse of a real short lease: the sweeper expires it and the work is open again', async () => {
    const sc = await scene(1);
    await until('the lease lapsed and was swept', async () => (await statusOf(sc.assignment.id)) === 'expired');
    expect((await s.http.get(`/api/assignments/${sc.assignment.id}`).set('Authorization', sc.worker.auth)).body.status).toBe('expired');
    await expectMoney(sc.p, { escrow: 200, owner: 0, worker: 0 }, sc.worker);
    expect((await workOf(sc.assignment.id)).status).toBe('open');
  });

  it('member removed: the assignment is released and the work open again', async () => {
    const sc = await scene();
    await remove(sc);
    expect(await statusOf(sc.assignment.id)).toBe('released');
    await expectMoney(sc.p, { escrow: 200, owner: 0, worker: 0 }, sc.worker);
    await expectReclaimable(sc);
  });

  it('batch canceled, then submit: the live claim is still paid; the unclaimed datum is refunded', async () => {
    const sc = await scene();
    await cancel(sc);
    await expectMoney(sc.p, { escrow: 100, owner: 100, worker: 0 }, sc.worker);
    const r = await s.http
      .post(`/api/assignments/${sc.assignment.id}/submit`)
      .set('Authorization', sc.worker.auth)
      .send({ parameters: { label: 'cat' } });
    expect(r.status).toBe(200);
    await expectMoney(sc.p, { escrow: 0, owner: 100, worker: 100 }, sc.worker);
  });

  it('batch canceled, then release: the released claim is refunded', async () => {
    const sc = await scene();
    await cancel(sc);
    expect((await s.http.post(`/api/assignments/${sc.assignment.id}/release`).set('Authorization', sc.worker.auth)).status).toBe(200);
    await expectMoney(sc.p, { escrow: 0, owner: 200, worker: 0 }, sc.worker);
    expect(await workOf(sc.assignment.id)).toEqual({ status: 'canceled', canceled: true });
  });

  const steps = { cancel, remove, lapse } as const;
  type Step = keyof typeof steps;
  const orders: Step[][] = [
    ['cancel', 'remove', 'lapse'],
    ['cancel', 'lapse', 'remove'],
    ['remove', 'cancel', 'lapse'],
    ['remove', 'lapse', 'cancel'],
    ['lapse', 'cancel', 'remove'],
    ['lapse', 'remove', 'cancel'],
  ];
  it.each(orders)('%s, then %s, then %s: every cent of escrow goes back to the requester', async (...order: Step[]) => {
    const sc = await scene();
    let canceled = false;
    for (const step of order) {
      // a lapse after the claim already ended (member removed) has nothing left to end
      if (step === 'lapse' && (await statusOf(sc.assignment.id)) !== 'claimed') continue;
      await steps[step](sc);
      if (step === 'cancel') canceled = true;
      // while the batch runs, an ended claim's work is open again and its escrow stays; once the
      // batch is canceled and the claim has ended, all of it is back with the requester
      const ended = (await statusOf(sc.assignment.id)) !== 'claimed';
      if (!canceled) await expectMoney(sc.p, { escrow: 200, owner: 0, worker: 0 }, sc.worker);
      else if (ended) await expectMoney(sc.p, { escrow: 0, owner: 200, worker: 0 }, sc.worker);
      else await expectMoney(sc.p, { escrow: 100, owner: 100, worker: 0 }, sc.worker);
    }
    expect(['released', 'expired']).toContain(await statusOf(sc.assignment.id));
    expect((await workOf(sc.assignment.id)).status).toBe('canceled');
    await expectMoney(sc.p, { escrow: 0, owner: 200, worker: 0 }, sc.worker);
  });
});
