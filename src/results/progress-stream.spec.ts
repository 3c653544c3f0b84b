import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { ProgressStream } from './progress-stream';
import { Snapshot } from './progress-hub';

class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  writableEnded = false;
  write(t: string) {
    this.chunks.push(t);
    return true;
  }
  end() {
    this.writableEnded = true;
  }
  events() {
    return this.chunks.filter((c) => c.startsWith('id: ')).map((c) => c.split('\n').slice(0, 2).join(' '));
  }
}

const snap = (changeId: number, status = 'processing'): Snapshot => ({ changeId, status, body: { changeId } as never });

describe('ProgressStream (API.md §13.3)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function open(lastEventId?: number) {
    const res = new FakeResponse();
    const closed = jest.fn();
    const s = new ProgressStream(res as unknown as Response, lastEventId, 1000, 15_000, closed);
    return { res, s, closed };
  }

  it('sends at most one progress a second, the newest waiting snapshot replacing older ones', () => {
    const { res, s } = open();
    s.start(snap(0));
    s.offer(snap(2));
    s.offer(snap(4));
    s.offer(snap(6));
    expect(res.events()).toEqual(['id: 0 event: progress']);
    jest.advanceTimersByTime(999);
    expect(res.events()).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(res.events()).toEqual(['id: 0 event: progress', 'id: 6 event: progress']);
    s.offer(snap(6)); // nothing new
    jest.advanceTimersByTime(5000);
    expect(res.events()).toHaveLength(2);
  });

  it('sends completed at once and ends; ids never go down', () => {
    const { res, s, closed } = open();
    s.start(snap(4));
    s.offer(snap(2));
    s.offer(snap(8, 'completed'));
    expect(res.events()).toEqual(['id: 4 event: progress', 'id: 8 event: completed']);
    expect(res.writableEnded).toBe(true);
    expect(closed).toHaveBeenCalledTimes(1);
    s.offer(snap(10));
    expect(res.events()).toHaveLength(2);
  });

  it('with Last-Event-ID: no snapshot unless newer; completed always', () => {
    const a = open(6);
    a.s.start(snap(6));
    expect(a.res.events()).toEqual([]);
    const b = open(6);
    b.s.start(snap(8));
    expect(b.res.events()).toEqual(['id: 8 event: progress']);
    const c = open(8);
    c.s.start(snap(8, 'completed'));
    expect(c.res.events()).toEqual(['id: 8 event: completed']);
  });

  it('writes heartbeat comments while idle and stops when the client goes', () => {
    const { res, s, closed } = open();
    s.start(snap(0));
    jest.advanceTimersByTime(45_000);
    expect(res.chunks.filter((c) => c === ':\n\n')).toHaveLength(3);
    res.emit('close');
    expect(closed).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(45_000);
    expect(res.chunks.filter((c) => c === ':\n\n')).toHaveLength(3);
  });
});
