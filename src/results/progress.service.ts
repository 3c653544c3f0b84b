import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import { sqlOne } from '../database/sql';
import { ProgressHub } from './progress-hub';
import { ProgressStream } from './progress-stream';

/** GET /api/batches/:id/events (API.md §13.3): checks, the stream cap, then a ProgressStream fed by the hub. */
@Injectable()
export class ProgressService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hub: ProgressHub,
  ) {}

  async open(caller: Caller, batchId: string, lastEventId: string | undefined, res: Response): Promise<void> {
    const owned = await sqlOne(this.ds.manager, 'SELECT 1 FROM batches WHERE id = $1 AND owner_id = $2', [batchId, caller.userId]);
    if (!owned) throw notFound('Batch', batchId);
    const key = caller.apiKeyId;
    if (!this.hub.admit(key)) {
      throw new ApiError(
        429,
        'TooManyRequests',
        `This API key already holds ${this.config.sseMaxStreamsPerKey} open progress streams (SSE_MAX_STREAMS_PER_KEY); close one first`,
        undefined,
        { 'Retry-After': '5' },
      );
    }
    const resumeFrom = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId.trim()) ? Number(lastEventId.trim()) : undefined;
    let stream: ProgressStream | undefined;
    try {
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache, no-transform');
      res.setHeader('Connection', 'keep-alive');
      // nginx and similar proxies: do not buffer the stream
      res.setHeader('X-Accel-Buffering', 'no');
      res.flushHeaders();
      const s = new ProgressStream(res, resumeFrom, this.config.sseMinIntervalMs, this.config.sseHeartbeatSeconds * 1000, () => {
        this.hub.unsubscribe(batchId, s);
        this.hub.release(key);
      });
      stream = s;
      await this.hub.subscribe(batchId, s);
      const snap = await this.hub.snapshot(batchId);
      if (snap) s.start(snap);
      else s.close();
    } catch (err) {
      if (stream) stream.close();
      else this.hub.release(key);
      if (!res.headersSent) throw err;
      res.destroy();
    }
  }
}
