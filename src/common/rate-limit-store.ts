import { ThrottlerStorage } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { deleteEndedCounters, hitCounter, liveCounter } from './rate-limit.repository';

export interface WindowCount {
  /** hits in the current window, this one included */
  hits: number;
  /** milliseconds until the window ends and the count starts again */
  msLeft: number;
}

/** Delete ended windows about once per this many hits, so the table holds only live keys. */
const SWEEP_EVERY = 1000;

/**
 * Fixed-window counters in PostgreSQL (table rate_limit_counters), shared by every server
 * process: one atomic upsert per hit, so two processes counting the same key agree. The window
 * starts at a key's first hit. Fails open: while the database is down nothing is counted (the
 * API answers 503 from elsewhere anyway), so a limiter never turns an outage into 429s.
 */
export class RateLimitStore {
  private sinceSweep = 0;

  constructor(private readonly ds: DataSource) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    try {
      const row = await hitCounter(this.ds.manager, key, windowMs);
      this.maybeSweep();
      return { hits: row.hits, msLeft: Math.ceil(row.ms_left) };
    } catch {
      return { hits: 0, msLeft: windowMs };
    }
  }

  /** The count of the key's current window without adding to it (0 when none). */
  async peek(key: string): Promise<WindowCount> {
    try {
      const row = await liveCounter(this.ds.manager, key);
      return row ? { hits: row.hits, msLeft: Math.ceil(row.ms_left) } : { hits: 0, msLeft: 0 };
    } catch {
      return { hits: 0, msLeft: 0 };
    }
  }

  private maybeSweep(): void {
    if (++this.sinceSweep < SWEEP_EVERY) return;
    this.sinceSweep = 0;
    void deleteEndedCounters(this.ds.manager).catch(() => undefined);
  }
}

/** @nestjs/throttler's storage on the shared counters: the per-API-key limit of every process agrees. */
export class PostgresThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly store: RateLimitStore) {}

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string): ReturnType<ThrottlerStorage['increment']> {
    const { hits, msLeft } = await this.store.hit(`throttle:${throttlerName}:${key}`, ttl);
    const seconds = Math.max(1, Math.ceil(msLeft / 1000));
    // blocked until the window ends: the guard sends Retry-After from timeToBlockExpire (seconds)
    return { totalHits: hits, timeToExpire: seconds, isBlocked: hits > limit, timeToBlockExpire: hits > limit ? seconds : 0 };
  }
}
