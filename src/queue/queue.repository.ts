import type { ClientBase } from 'pg';
import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';

/**
 * The only code that writes the queue_processes table and calls graphile-worker's SQL API
 * (docs/architecture.md, "Who owns which table"; the library writes its own schema). One
 * function per statement. The liveness statements run on the process's own connection (a
 * session advisory lock lives as long as the connection that took it), so they take a pg client.
 */

/** The first key of the advisory lock a live process holds on its queue_processes token. */
export const LIVENESS_LOCK_CLASS = 7301;

/** The SQL that queues a job; also usable inside a composed statement or a trigger. */
export const ADD_JOB_SQL = `SELECT (graphile_worker.add_job(identifier => $1, payload => $2::json, run_at => $3::timestamptz,
          max_attempts => $4::smallint, job_key => $5, job_key_mode => $6)).id::text AS id`;

export interface NewJob {
  task: string;
  payloadJson: string;
  runAt: Date | null;
  maxAttempts: number | null;
  key: string | null;
  keyMode: 'preserve_run_at' | null;
}

/** Queues a job in `em`'s transaction (or alone); returns its id. */
export async function addJob(em: EntityManager, job: NewJob): Promise<string> {
  const row = await sqlOne<{ id: string }>(em, ADD_JOB_SQL, [job.task, job.payloadJson, job.runAt, job.maxAttempts, job.key, job.keyMode]);
  return row!.id;
}

/** Takes the process's liveness lock on its own connection (held until the connection ends). */
export async function takeLivenessLock(client: ClientBase, token: string): Promise<void> {
  await client.query(`SELECT pg_advisory_lock($1, hashtext($2))`, [LIVENESS_LOCK_CLASS, token]);
}

export async function insertProcess(client: ClientBase, token: string): Promise<void> {
  await client.query(`INSERT INTO queue_processes (token) VALUES ($1) ON CONFLICT (token) DO NOTHING`, [token]);
}

/** The ids this process's jobs are locked with. */
export async function setWorkerIds(em: EntityManager, token: string, workerIds: string[]): Promise<void> {
  await sql(em, `UPDATE queue_processes SET worker_ids = $2 WHERE token = $1`, [token, workerIds]);
}

export async function deleteProcess(em: EntityManager, token: string): Promise<void> {
  await sql(em, `DELETE FROM queue_processes WHERE token = $1`, [token]);
}

/**
 * Deletes the rows of processes that are gone (their advisory lock is free; tried as a
 * transaction lock, so it is not kept) and returns them. Run it in a transaction.
 */
export function deleteDeadProcesses(em: EntityManager, ownToken: string): Promise<Array<{ token: string; worker_ids: string[] }>> {
  return sql<{ token: string; worker_ids: string[] }>(
    em,
    `DELETE FROM queue_processes WHERE token <> $1 AND pg_try_advisory_xact_lock($2, hashtext(token))
     RETURNING token, worker_ids`,
    [ownToken, LIVENESS_LOCK_CLASS],
  );
}

/** Unlocks the jobs (and queues) locked by these worker ids. */
export async function forceUnlockWorkers(em: EntityManager, workerIds: string[]): Promise<void> {
  await sql(em, `SELECT graphile_worker.force_unlock_workers($1::text[])`, [workerIds]);
}
