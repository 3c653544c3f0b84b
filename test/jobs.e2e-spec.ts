import { DataSource } from 'typeorm';
import { inTransaction } from '../src/database/transaction';
import { Job, JobQueue } from '../src/jobs/job-queue.service';
import { startTestServer, TestServer } from './support/server';

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the Postgres job queue', () => {
  let s: TestServer;
  let jobs: JobQueue;
  let db: DataSource;

  beforeAll(async () => {
    s = await startTestServer();
    jobs = s.app.get(JobQueue);
    db = s.app.get(DataSource);
  });
  afterAll(() => s.close());

  it('runs a job once its transaction commits, and never when it rolls back', async () => {
    const seen: Job[] = [];
    jobs.register('test-commit', async (job) => {
      seen.push(job);
    });
    await inTransaction(db, (em) => jobs.enqueue(em, 'test-commit', { n: 1 }));
    await inTransaction(db, async (em) => {
      await jobs.enqueue(em, 'test-commit', { n: 2 });
      throw new Error('roll back');
    }).catch(() => undefined);
    await waitFor(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.map((j) => j.payload)).toEqual([{ n: 1 }]);
    expect(seen[0].attempt).toBe(1);
    expect(await s.sql(`SELECT * FROM jobs WHERE queue = 'test-commit'`)).toEqual([]);
  });

  it('retries a failing job with backoff and gives up after maxAttempts', async () => {
    let calls = 0;
    jobs.register('test-flaky', async () => {
      calls++;
      if (calls < 3) throw new Error(`flaky ${calls}`);
    }, { backoffSeconds: () => 0 });
    let dead = 0;
    jobs.register('test-dead', async () => {
      dead++;
      throw new Error('always fails');
    }, { maxAttempts: 2, backoffSeconds: () => 0 });
    await inTransaction(db, async (em) => {
      await jobs.enqueue(em, 'test-flaky', {});
      await jobs.enqueue(em, 'test-dead', {});
    });
    await waitFor(() => calls === 3);
    await waitFor(async () => (await s.sql(`SELECT 1 FROM jobs WHERE queue = 'test-flaky'`)).length === 0);
    await waitFor(async () => (await s.sql(`SELECT 1 FROM jobs WHERE queue = 'test-dead' AND run_at = 'infinity'`)).length === 1);
    expect(dead).toBe(2);
    const [row] = await s.sql<{ attempts: number; last_error: string }>(`SELECT attempts, last_error FROM jobs WHERE queue = 'test-dead'`);
    expect(row).toEqual({ attempts: 2, last_error: 'always fails' });
  });

  it('honours run_at', async () => {
    let ran = false;
    jobs.register('test-later', async () => {
      ran = true;
    });
    await inTransaction(db, (em) => jobs.enqueue(em, 'test-later', {}, new Date(Date.now() + 60_000)));
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toBe(false);
    await s.sql(`UPDATE jobs SET run_at = now() WHERE queue = 'test-later'`);
    await waitFor(() => ran, 5000);
  });

  it('refuses two handlers for one queue', () => {
    expect(() => jobs.register('invite-mail', async () => undefined)).toThrow(/already registered/);
  });
});
