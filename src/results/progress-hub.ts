import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { sql } from '../database/sql';
import { LOGGER, Logger } from '../logging/logger';
import { presentProgress, ProgressRow } from './result.presenter';
import { PROGRESS_SQL } from './result-sql';
import { deleteExpiredWatches, deleteWatch, deleteWatchesOfProcess, upsertWatches } from './results.repository';

/** The channel a submit NOTIFYs (payload: the batch id) when some process watches the batch. */
export const PROGRESS_CHANNEL = 'og_batch_progress';
/** A process's watch on a batch lives this long unless refreshed (a crashed process's rows lapse). */
const WATCH_TTL_SECONDS = 60;
const WATCH_REFRESH_MS = 20_000;
/** Safety poll: catches changes that do not NOTIFY (pay, cancel) and NOTIFYs lost while reconnecting. */
const POLL_MS = 5_000;
const LISTEN_RECONNECT_MS = 1_000;

export interface Snapshot {
  changeId: number;
  status: string;
  body: ReturnType<typeof presentProgress>;
}

/** One open stream, as the hub sees it. */
export interface ProgressSink {
  /** offered every fresh snapshot of its batch; applies its own throttle */
  offer(s: Snapshot): void;
}

interface Watched {
  sinks: Set<ProgressSink>;
  lastQueryAt: number;
  timer?: NodeJS.Timeout;
  querying: boolean;
  dirty: boolean;
}

/**
 * Live progress across processes (API.md §13.3): ONE LISTEN connection per process fans out to
 * every open stream. A NOTIFY marks the batch dirty; the hub reads the batch's snapshot at most
 * once a second per batch (one query for all its streams in this process) and offers it to each
 * stream. Which batches are watched is written to `batch_watchers`, so a submit only NOTIFYs
 * when some process listens for its batch.
 */
@Injectable()
export class ProgressHub implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly processId = randomBytes(8).toString('hex');
  private readonly batches = new Map<string, Watched>();
  private readonly perKey = new Map<string, number>();
  private listener: Client | undefined;
  private running = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.every(POLL_MS, () => {
      for (const id of this.batches.keys()) this.changed(id);
    });
    this.every(WATCH_REFRESH_MS, () => void this.refreshWatches());
  }

  async onModuleDestroy(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.batches.values()) if (w.timer) clearTimeout(w.timer);
    const ids = [...this.batches.keys()];
    this.batches.clear();
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => undefined);
    if (ids.length) await deleteWatchesOfProcess(this.ds.manager, this.processId).catch(() => undefined);
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.add(t);
  }

  /** Counts a stream against its API key's cap; false when the key is at the cap. */
  admit(keyId: string): boolean {
    const n = this.perKey.get(keyId) ?? 0;
    if (n >= this.config.sseMaxStreamsPerKey) return false;
    this.perKey.set(keyId, n + 1);
    return true;
  }

  release(keyId: string): void {
    const n = (this.perKey.get(keyId) ?? 1) - 1;
    if (n <= 0) this.perKey.delete(keyId);
    else this.perKey.set(keyId, n);
  }

  /** The batch's current snapshot (a fresh read). */
  async snapshot(batchId: string): Promise<Snapshot | undefined> {
    const [row] = await sql<ProgressRow>(this.ds.manager, PROGRESS_SQL, [batchId]);
    return row ? { changeId: Number(row.change_id), status: row.status, body: presentProgress(row) } : undefined;
  }

  /**
   * Registers a stream. The watch row is committed before the caller reads the first snapshot,
   * so a submit either is in that snapshot or NOTIFYs after it.
   */
  async subscribe(batchId: string, sink: ProgressSink): Promise<void> {
    this.ensureListening();
    let w = this.batches.get(batchId);
    if (!w) {
      w = { sinks: new Set(), lastQueryAt: 0, querying: false, dirty: false };
      this.batches.set(batchId, w);
      await this.watch([batchId]);
    }
    w.sinks.add(sink);
  }

  unsubscribe(batchId: string, sink: ProgressSink): void {
    const w = this.batches.get(batchId);
    if (!w) return;
    w.sinks.delete(sink);
    if (w.sinks.size > 0) return;
    if (w.timer) clearTimeout(w.timer);
    this.batches.delete(batchId);
    void deleteWatch(this.ds.manager, batchId, this.processId).catch(() => undefined);
  }

  private async watch(ids: string[]): Promise<void> {
    await upsertWatches(this.ds.manager, ids, this.processId, WATCH_TTL_SECONDS);
  }

  private async refreshWatches(): Promise<void> {
    const ids = [...this.batches.keys()];
    try {
      await deleteExpiredWatches(this.ds.manager);
      if (ids.length) await this.watch(ids);
    } catch (err) {
      this.logger.warn({ err }, 'progress: could not refresh the watched batches');
    }
  }

  /** A change of the batch was announced: read its snapshot now, or at most a second after the last read. */
  changed(batchId: string): void {
    const w = this.batches.get(batchId);
    if (!w || !this.running) return;
    if (w.querying || w.timer) {
      w.dirty = true;
      return;
    }
    const wait = w.lastQueryAt + this.config.sseMinIntervalMs - Date.now();
    if (wait > 0) {
      w.timer = setTimeout(() => {
        w.timer = undefined;
        this.read(batchId, w);
      }, wait);
      return;
    }
    this.read(batchId, w);
  }

  private read(batchId: string, w: Watched): void {
    w.querying = true;
    w.dirty = false;
    w.lastQueryAt = Date.now();
    this.snapshot(batchId)
      .then((s) => {
        if (s) for (const sink of w.sinks) sink.offer(s);
      })
      .catch((err) => this.logger.warn({ err, batchId }, 'progress: reading a snapshot failed'))
      .finally(() => {
        w.querying = false;
        if (w.dirty && this.batches.get(batchId) === w) this.changed(batchId);
      });
  }

  /** One LISTEN connection per process, started with the first stream; reconnected when it drops. */
  private ensureListening(): void {
    if (this.listener || !this.running) return;
    const client = new Client({ connectionString: this.config.databaseUrl });
    this.listener = client;
    let retried = false;
    const retry = () => {
      if (retried) return;
      retried = true;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.listener === client) this.listener = undefined;
      if (!this.running) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.batches.size) this.ensureListening();
      }, LISTEN_RECONNECT_MS);
      t.unref();
      this.timers.add(t);
    };
    client.on('notification', (m) => {
      if (m.payload) this.changed(m.payload);
    });
    client.on('error', (err) => {
      if (this.running) this.logger.warn({ err }, 'progress: LISTEN connection error; reconnecting');
      retry();
    });
    client.on('end', retry);
    client
      .connect()
      .then(() => client.query(`LISTEN ${PROGRESS_CHANNEL}`))
      .then(async () => {
        // what changed while not listening; and the watch rows, in case the database lost them (UNLOGGED after a crash)
        await this.refreshWatches();
        for (const id of this.batches.keys()) this.changed(id);
      })
      .catch((err) => {
        if (this.running) this.logger.warn({ err }, 'progress: could not LISTEN; polling meanwhile, reconnecting');
        retry();
      });
  }
}
