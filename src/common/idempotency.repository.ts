import { EntityManager } from 'typeorm';
import { sql } from '../database/sql';

/**
 * The only code that writes the idempotency_keys table (docs/architecture.md, "Who owns which
 * table"), for the Idempotency-Key interceptor (idempotency.ts).
 */

export interface IdempotencyKeyRow {
  method: string;
  request_hash: Buffer | null;
  path: string;
  response_status: number | null;
  response_body: unknown;
  /** no result for longer than the given seconds: the request's process presumably died */
  abandoned: boolean;
}

export interface KeyRequest {
  userId: string;
  key: string;
  method: string;
  path: string;
  requestHash: Buffer;
}

/** Claims the key for this request; false when the user has used the key already. */
export async function claimIdempotencyKey(em: EntityManager, r: KeyRequest): Promise<boolean> {
  const rows = await sql(
    em,
    `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1`,
    [r.userId, r.key, r.method, r.path, r.requestHash],
  );
  return rows.length > 0;
}

export async function idempotencyKey(em: EntityManager, userId: string, key: string, abandonedSeconds: number): Promise<IdempotencyKeyRow | undefined> {
  const rows = await sql<IdempotencyKeyRow>(
    em,
    `SELECT method, path, request_hash, response_status, response_body, created < now() - make_interval(secs => $3) AS abandoned
       FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
    [userId, key, abandonedSeconds],
  );
  return rows[0];
}

/** Takes over a key with no result for `abandonedSeconds`; false when another request took it first. */
export async function takeOverAbandonedKey(em: EntityManager, userId: string, key: string, abandonedSeconds: number): Promise<boolean> {
  const rows = await sql(
    em,
    `UPDATE idempotency_keys SET created = now() WHERE user_id = $1 AND key = $2 AND response_status IS NULL
       AND created < now() - make_interval(secs => $3) RETURNING 1`,
    [userId, key, abandonedSeconds],
  );
  return rows.length > 0;
}

export async function storeIdempotentResponse(em: EntityManager, userId: string, key: string, status: number, bodyJson: string): Promise<void> {
  await sql(em, `UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2`, [userId, key, status, bodyJson]);
}

/** Frees a key whose request stored no result, so a retry runs again. */
export async function releaseIdempotencyKey(em: EntityManager, userId: string, key: string): Promise<void> {
  await sql(em, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND response_status IS NULL`, [userId, key]);
}
