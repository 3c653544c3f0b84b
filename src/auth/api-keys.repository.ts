import { EntityManager } from 'typeorm';
import { sqlOne } from '../database/sql';
import { ApiKeyEntity } from './auth.entities';

/**
 * The only code that writes the api_keys table (docs/architecture.md, "Who owns which table").
 * The lookup of a key on every request stays a prepared statement of AuthService.callerForKey.
 */

export function insertApiKey(em: EntityManager, userId: string, name: string | null, keyHash: Buffer, keyHint: string): Promise<ApiKeyEntity> {
  return em.save(em.create(ApiKeyEntity, { userId, name, keyHash, keyHint }));
}

/** Soft-deletes a loaded key: the next request with it is a 401. */
export function markApiKeyDeleted(em: EntityManager, key: ApiKeyEntity): Promise<ApiKeyEntity> {
  key.deletedAt = new Date();
  return em.save(key);
}

export async function liveKeyCount(em: EntityManager, userId: string): Promise<number> {
  const row = await sqlOne<{ n: number }>(em, 'SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1 AND deleted_at IS NULL', [userId]);
  return row!.n;
}
