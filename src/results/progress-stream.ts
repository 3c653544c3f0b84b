import type { Response } from 'express';
import { ProgressSink, Snapshot } from './progress-hub';

const TERMINAL: Record<string, string> = { completed: 'completed', canceled: 'canceled' };

/**
 * One `text/event-stream` response (API.md §13.3). Event ids are the batch's change counter, so
 * they only grow, whichever process sends them. `progress` at most once per `minIntervalMs`
 * (a newer snapshot waits and replaces an older waiting one); `completed` (or `canceled`) is sent
 * at once and ends the stream. Comment lines keep idle proxies from closing it.
 */
export class ProgressStream implements ProgressSink {
  private lastId: number;
  private lastSentAt = 0;
  private pending: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly res: Response,
    lastEventId: number | undefined,
    private readonly minIntervalMs: number,
    heartbeatMs: number,
    private readonly onClose: () => void,
  ) {
    this.lastId = lastEventId ?? -1;
    this.heartbeat = setInterval(() => this.write(':\n\n'), heartbeatMs);
    this.heartbeat.unref();
    res.on('close', () => this.close());
  }

  /** The first event: the current snapshot (after a reconnect, only when it is newer than Last-Event-ID). */
  start(s: Snapshot): void {
    this.write('retry: 2000\n\n');
    if (TERMINAL[s.status] || s.changeId > this.lastId) this.send(s);
  }

  offer(s: Snapshot): void {
    if (this.closed) return;
    if (TERMINAL[s.status]) return this.send(s);
    if (s.changeId <= this.lastId) return;
    const wait = this.lastSentAt + this.minIntervalMs - Date.now();
    if (wait <= 0) return this.send(s);
    if (!this.pending || s.changeId > this.pending.changeId) this.pending = s;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const p = this.pending;
      this.pending = undefined;
      if (p && p.changeId > this.lastId && !this.closed) this.send(p);
    }, wait);
  }

  private send(s: Snapshot): void {
    const terminal = TERMINAL[s.status];
    this.lastId = Math.max(this.lastId, s.changeId);
    this.lastSentAt = Date.now();
    this.write(`id: ${s.changeId}\nevent: ${terminal ?? 'progress'}\ndata: ${JSON.stringify(s.body)}\n\n`);
    if (terminal) {
      this.res.end();
      this.close();
    }
  }

  private write(text: string): void {
    if (!this.closed && !this.res.writableEnded) this.res.write(text);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    if (!this.res.writableEnded) this.res.end();
    this.onClose();
  }
}
