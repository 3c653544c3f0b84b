import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { conflict, invalid, notFound } from '../common/errors';
import { Page } from '../common/pagination';
import { preparedRows } from '../database/prepared';
import { inTransaction } from '../database/transaction';
import { ApiKeyEntity, UserEntity } from './auth.entities';
import { Caller } from './caller';
import { generateSecret, hashPassword, sha256 } from './credentials';
import { isUniqueViolation } from '../database/pg-errors';
import { insertApiKey, liveKeyCount, markApiKeyDeleted } from './api-keys.repository';
import { insertUser, lockUser } from './users.repository';

/** Live API keys one user may hold (API.md §1.3). */
export const MAX_API_KEYS = 50;

@Injectable()
export class AuthService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Creates the user and their first API key; the key is returned once and stored only hashed. */
  async register(email: string, password: string, confirmation: string): Promise<{ user: UserEntity; apiKey: string }> {
    if (password !== confirmation) invalidConfirmation();
    const passwordHash = await hashPassword(password);
    try {
      return await inTransaction(this.db, async (em) => {
        const user = await insertUser(em, email.trim(), passwordHash);
        const { secret } = await this.issueKey(em, user.id, 'default');
        return { user, apiKey: secret };
      });
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_key')) {
        throw invalid('email has already been taken', [{ field: 'email', message: 'has already been taken' }]);
      }
      throw err;
    }
  }

  async callerForKey(key: string): Promise<Caller | undefined> {
    if (!key || key.length > 200) return undefined;
    // every authenticated request runs this: a prepared statement, no ORM query runner
    const rows = await preparedRows<{ key_id: string; user_id: string; email: string }>(
      this.db,
      'og_caller_for_key',
      `SELECT k.id AS key_id, u.id AS user_id, u.email
         FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = $1 AND k.deleted_at IS NULL`,
      [sha256(key.trim())],
    );
    const row = rows[0];
    return row ? { userId: row.user_id, email: row.email, apiKeyId: row.key_id } : undefined;
  }

  async user(caller: Caller): Promise<UserEntity> {
    const user = await this.db.getRepository(UserEntity).findOneBy({ id: caller.userId });
    if (!user) throw notFound('User', caller.userId);
    return user;
  }

  listKeys(caller: Caller, page: Page): Promise<ApiKeyEntity[]> {
    return this.db.getRepository(ApiKeyEntity).find({
      where: { userId: caller.userId, deletedAt: IsNull() },
      order: { id: 'DESC' },
      skip: page.offset,
      take: page.limit + 1,
    });
  }

  createKey(caller: Caller, name: string | undefined): Promise<{ key: ApiKeyEntity; secret: string }> {
    return this.createKeyFor(caller.userId, name ?? null);
  }

  /**
   * A new key for the user, unless they already hold MAX_API_KEYS: then a 409 telling them to
   * delete one. The user's row is locked so two concurrent creations cannot both pass the count.
   */
  createKeyFor(userId: string, name: string | null): Promise<{ key: ApiKeyEntity; secret: string }> {
    return inTransaction(this.db, async (em) => {
      await lockUser(em, userId);
      const n = await liveKeyCount(em, userId);
      if (n >= MAX_API_KEYS) {
        throw conflict(
          `You hold ${n} API keys, the most allowed (${MAX_API_KEYS}); delete one you no longer use (GET /api/api_keys, DELETE /api/api_keys/:id) and try again`,
        );
      }
      return this.issueKey(em, userId, name);
    });
  }

  async deleteKey(caller: Caller, id: string): Promise<ApiKeyEntity> {
    const key = await this.db.manager.findOneBy(ApiKeyEntity, { id, userId: caller.userId, deletedAt: IsNull() });
    if (!key) throw notFound('ApiKey', id);
    return markApiKeyDeleted(this.db.manager, key);
  }

  private async issueKey(em: EntityManager, userId: string, name: string | null) {
    const secret = generateSecret('og');
    const key = await insertApiKey(em, userId, name, sha256(secret), secret.slice(-4));
    return { key, secret };
  }
}

function invalidConfirmation(): never {
  throw invalid("password_confirmation doesn't match password", [{ field: 'password_confirmation', message: "doesn't match password" }]);
}
