import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { apiKeyFromAuthorization } from '../auth/credentials';

/**
 * Rate limit per API key (API.md §10): the tracker is a hash of the key, whichever of the
 * accepted Authorization forms carries it; anonymous calls are counted per address.
 * The counters live in this process's memory: with N processes the effective limit is N times
 * the setting (see docs/architecture.md).
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected async getTracker(req: Record<string, any>): Promise<string> {
    const key = apiKeyFromAuthorization(req.headers?.authorization);
    if (key) return `key:${createHash('sha256').update(key.trim()).digest('base64url')}`;
    return `ip:${req.ip}`;
  }
}
