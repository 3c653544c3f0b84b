import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** What to do with the n-th request (1-based): answer with a status (now, or when the promise resolves), or hang (never answer). */
export type Reply = number | 'hang' | Promise<number>;

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. `reply(n)` decides per request; requests
 * are recorded; `waitFor(n)` resolves when n requests arrived. `close()` then `listen()` again
 * (same port) simulates a receiver that is down for a while.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  reply: (n: number, req: ReceivedRequest) => Reply = () => 200;
  private server: http.Server | undefined;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async listen(port = this.port): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: ReceivedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.requests.push(r);
        const what = this.reply(this.requests.length, r);
        this.waiters = this.waiters.filter((w) => (this.requests.length >= w.n ? (w.resolve(), false) : true));
        if (what === 'hang') return; // keeps the socket open until the client gives up
        void Promise.resolve(what).then((status) => {
          if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  waitFor(n: number, timeoutMs = 20_000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${n} webhook requests (got ${this.requests.length})`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function startReceiver(reply?: WebhookReceiver['reply']): Promise<WebhookReceiver> {
  const r = new WebhookReceiver();
  if (reply) r.reply = reply;
  return r.listen();
}

/** Polls `check` until it returns a truthy value (or throws after timeoutMs). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
