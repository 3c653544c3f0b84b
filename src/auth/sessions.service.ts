import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError, unauthorized } from '../common/errors';
import { RateLimitStore } from '../common/rate-limit-store';
import { UserEntity } from './auth.entities';
import { AuthService } from './auth.service';
import { hashPassword, sha256, verifyPassword } from './credentials';

/** Failed sign-ins allowed per window, per email+address and per address (API.md §1.3). */
export const SIGN_IN_FAILURES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;

/**
 * POST /api/sessions: email + password → a new API key, the way back for a user who lost theirs.
 * - Wrong email and wrong password are the same 401, and cost the same: an unknown email is
 *   checked against a dummy hash, so the response time does not tell which emails exist.
 * - Failures are counted per email+address and per address in the shared PostgreSQL counters
 *   (every server process sees the same counts); past 10 in a minute the next attempts are a 429
 *   with Retry-After, before any password is checked, whatever the password.
 * - Each success adds a key (named "session"); a user holds at most 50 (AuthService.MAX_KEYS).
 */
@Injectable()
export class SessionsService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly auth: AuthService,
    private readonly counters: RateLimitStore,
  ) {}

  async signIn(email: string, password: string, address: string): Promise<{ user: UserEntity; apiKey: string }> {
    const keys = [`signin:addr:${address}`, `signin:email:${sha256(email.trim().toLowerCase()).toString('base64url')}:${address}`];
    const counts = await Promise.all(keys.map((k) => this.counters.peek(k)));
    const over = counts.filter((c) => c.hits >= SIGN_IN_FAILURES_PER_MINUTE);
    if (over.length > 0) {
      const seconds = Math.max(1, Math.ceil(Math.max(...over.map((c) => c.msLeft)) / 1000));
      throw new ApiError(429, 'TooManyRequests', `Too many failed sign-ins; retry after ${seconds} seconds`, undefined, { 'Retry-After': String(seconds) });
    }
    const user = await this.ds.getRepository(UserEntity).findOneBy({ email: email.trim() });
    const ok = user ? await verifyPassword(password, user.passwordHash) : await this.verifyDummy(password);
    if (!user || !ok) {
      await Promise.all(keys.map((k) => this.counters.hit(k, WINDOW_MS)));
      throw unauthorized('Wrong email or password');
    }
    const { secret } = await this.auth.createKeyFor(user.id, 'session');
    return { user, apiKey: secret };
  }

  /** Spends the time of a real check and answers false. */
  private async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= hashPassword('not a password of anyone');
    await verifyPassword(password, await this.dummyHash);
    return false;
  }
}
