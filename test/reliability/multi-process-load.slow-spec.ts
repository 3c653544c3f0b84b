// Promise: with several server processes on one database and 50 concurrent workers, every datum completes exactly once and every submit is paid exactly once — also when processes are SIGKILLed mid-load (crash safety).
import { LoadOptions, LoadReport, LoadWorld, LOAD_WEBHOOK_SECRET } from './load-harness';
import { writeFigures } from './figures';
import { assertNoSecretsLogged } from '../support/server';

const DATA = Number(process.env.OG_LOAD_DATA ?? 1000);
const WORKERS = Number(process.env.OG_LOAD_WORKERS ?? 50);
/** the chaos plan's seed: fixed (CI is deterministic), printed; replay or vary with OG_CHAOS_SEED */
const CHAOS_SEED = Number(process.env.OG_CHAOS_SEED ?? 8128);
if (!Number.isInteger(CHAOS_SEED)) throw new Error(`OG_CHAOS_SEED must be an integer, got ${process.env.OG_CHAOS_SEED}`);
process.stdout.write(`[multi-process load] chaos seed ${CHAOS_SEED} (replay: OG_CHAOS_SEED=${CHAOS_SEED})\n`);

function summary(name: string, r: LoadReport) {
  return {
    name,
    requests: r.requests,
    claims: r.claims201,
    submits: r.submits200,
    submitsDoneBy409: r.submitsDoneBy409,
    submits410: r.submits410,
    connectionErrors: r.connectionErrors,
    kills: r.kills,
    chaosSeed: CHAOS_SEED,
    chaosPlan: r.chaosPlan,
    seconds: Math.round(r.elapsedMs / 100) / 10,
    batchSetupSeconds: Math.round(r.setupMs / 100) / 10,
    statuses: r.statuses,
  };
}

describe.each([
  ['two processes, no faults', { processes: 2, workers: WORKERS, data: DATA, kills: 0, leaseSeconds: 1800 }],
  [
    'two processes, SIGKILLed 8 times at seeded points of the load',
    { processes: 2, workers: WORKERS, data: DATA, kills: 8, leaseSeconds: 4, chaosSeed: CHAOS_SEED },
  ],
] as Array<[string, LoadOptions]>)('%s', (name, o) => {
  const world = new LoadWorld();
  let report: LoadReport;

  beforeAll(async () => {
    await world.setUp(o);
  }, 240_000);
  afterAll(() => world.close(), 60_000);

  it(`${o.data} data through a two-task pipeline: each work item done once, paid once; the batch completes and its webhook arrives`, async () => {
    report = await world.run(o);
    writeFigures(`load: ${name}`, summary(name, report));
    expect(report.statuses['500']).toBeUndefined();
    expect(Object.keys(report.statuses).filter((k) => /^5/.test(k))).toEqual([]);
    if (o.kills > 0)
      expect(report.kills).toBe(o.kills); // every planned kill happened, under load
    else {
      expect(report.connectionErrors).toBe(0);
      expect(report.submits200).toBe(2 * o.data);
    }

    const [counts] = await world.sql<{ done: number; items: number; subs: number; rewards: number; completed: number; batch: string }>(
      `SELECT (SELECT count(*)::int FROM work_items WHERE status = 'done') AS done,
              (SELECT count(*)::int FROM work_items) AS items,
              (SELECT count(*)::int FROM submissions) AS subs,
              (SELECT count(*)::int FROM ledger_transactions WHERE kind = 'reward') AS rewards,
              (SELECT count(*)::int FROM data WHERE status = 'completed') AS completed,
              (SELECT status FROM batches WHERE id = $1) AS batch`,
      [report.batchId],
    );
    expect(counts).toEqual({ done: 2 * o.data, items: 2 * o.data, subs: 2 * o.data, rewards: 2 * o.data, completed: o.data, batch: 'completed' });
    expect(await world.consistencyProblems(report)).toEqual([]);
    await world.expectWebhookDelivered(report);
    expect(world.logs()).not.toContain(LOAD_WEBHOOK_SECRET);
    assertNoSecretsLogged(world.logs()); // no API key or submit token in any process's log
    expect(world.logs()).not.toContain('"type":"InternalError"');
  }, 600_000);
});
