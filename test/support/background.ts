import type { TestServer } from './server';
import { eventually } from './webhook-receiver';

/**
 * Resolves once the app has no background work due or running: no job of its queue due (or
 * being run), no webhook delivery waiting for an attempt. Tests that check "nothing more was
 * written after the response" wait on this instead of sleeping.
 *
 * This is the ONE place the tests know how the queue and the webhook outbox store their work;
 * when the queue changes, change this function only. The queue is graphile-worker
 * (src/queue/queue.service.ts): a job due or locked by a runner has run_at <= now().
 */
export async function waitForBackgroundIdle(s: TestServer, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const [r] = await s.sql<{ jobs: number; deliveries: number }>(
        `SELECT (SELECT count(*)::int FROM graphile_worker.jobs WHERE run_at <= now() AND attempts < max_attempts) AS jobs,
              (SELECT count(*)::int FROM webhook_deliveries WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= now() OR locked_until > now())) AS deliveries`,
      );
      return r.jobs === 0 && r.deliveries === 0;
    },
    timeoutMs,
    20,
  );
}
