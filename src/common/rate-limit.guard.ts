import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { apiKeyFromAuthorization, sha256 } from '../auth/credentials';
import { isLiveKeyHash } from './rate-limit.repository';

const KNOWN_KEY_TTL_MS = 60_000;

/**
 * Rate limit per API key (API.md §10): the tracker is a hash of the key, whichever of the
 * accepted Authorization forms carries it; anonymous calls are counted per address.
 * A key counts as a key only if it exists: otherwise every made-up key would open a fresh
 * allowance, so random `Authorization` headers would bypass the limit (a registration flood,
 * or key guessing, at full speed). Unknown keys are counted per address like anonymous calls.
 * Existing keys are remembered for a minute, so the hot path pays the lookup once a minute.
 * The counters live in PostgreSQL (RateLimitStore), so every server process counts the same key
 * against one limit; RATE_LIMIT_STORE=memory keeps them per process (docs/operations.md).
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  private readonly known = new Map<string, number>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @InjectDataSource() private readonly ds: DataSource,
  ) {
    super(options, storage, reflector);
  }

  protected async getTracker(req: { headers?: { authorization?: string }; ip?: string }): Promise<string> {
    const key = apiKeyFromAuthorization(req.headers?.authorization);
    if (key && key.length <= 200) {
      const digest = sha256(key.trim());
      if (await this.exists(digest)) return `key:${digest.toString('base64url')}`;
    }
    return `ip:${req.ip}`;
  }

  private async exists(digest: Buffer): Promise<boolean> {
    const id = digest.toString('base64url');
    const until = this.known.get(id);
    if (until !== undefined && until > Date.now()) return true;
    try {
      if (!(await isLiveKeyHash(this.ds.manager, digest))) return false;
    } catch {
      return false; // database down: count per address; the API key guard answers 503
    }
    if (this.known.size > 100_000) this.known.clear();
    this.known.set(id, Date.now() + KNOWN_KEY_TTL_MS);
    return true;
  }
}
