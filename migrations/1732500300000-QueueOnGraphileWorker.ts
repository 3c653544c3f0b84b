import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One job queue: graphile-worker (its schema `graphile_worker` is installed by
 * src/database/migrate.ts before this runs). The webhook outbox queues its own jobs: a trigger
 * on webhook_deliveries adds, moves or removes the delivery's one waiting job in the very
 * transaction that changes the row, so every writer of a delivery (the completing submit,
 * redeliver, the sender recording an attempt) schedules it without knowing the queue.
 * The hand-written `jobs` table goes; its waiting jobs are moved over.
 */
export class QueueOnGraphileWorker1732500300000 implements MigrationInterface {
  name = 'QueueOnGraphileWorker1732500300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION webhook_deliveries_queue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- due at next_attempt_at; while claimed, at the claim's end (greatest() skips a NULL): that
        -- job finds the row still claimed only when the claiming process died mid-attempt
        IF NEW.status = 'pending' AND NEW.next_attempt_at IS NOT NULL THEN
          PERFORM graphile_worker.add_job('webhook-delivery', json_build_object('delivery_id', NEW.id::text),
                    run_at => greatest(NEW.next_attempt_at, NEW.locked_until),
                    job_key => 'webhook-delivery:' || NEW.id);
        ELSIF TG_OP = 'UPDATE' AND OLD.status = 'pending' THEN
          PERFORM graphile_worker.remove_job('webhook-delivery:' || NEW.id);
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER webhook_deliveries_queue
        AFTER INSERT OR UPDATE OF status, next_attempt_at, locked_until ON webhook_deliveries
        FOR EACH ROW EXECUTE FUNCTION webhook_deliveries_queue();

      -- what was waiting in the old queues
      SELECT graphile_worker.add_job('webhook-delivery', json_build_object('delivery_id', id::text),
               run_at => greatest(next_attempt_at, locked_until), job_key => 'webhook-delivery:' || id)
        FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at IS NOT NULL;
      SELECT graphile_worker.add_job(queue, payload::json, run_at => run_at)
        FROM jobs WHERE run_at < 'infinity';
      DROP TABLE jobs;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER webhook_deliveries_queue ON webhook_deliveries;
      DROP FUNCTION webhook_deliveries_queue();
      CREATE TABLE jobs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        queue text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        run_at timestamptz NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_error text,
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX jobs_due_idx ON jobs (run_at, id);
    `);
  }
}
