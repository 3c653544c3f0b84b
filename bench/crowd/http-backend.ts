import { expect, request } from '../lib/http';
import { ClaimOutcome, CrowdBackend, CrowdSetup, DatumOutcome, MoneyOutcome } from './backend';

/** A registered account: the owner, or one member of the crowd. */
export interface HttpUser {
  id: string;
  email: string;
  key: string;
}

let seq = 0;
export async function registerUser(url: string, prefix: string): Promise<HttpUser> {
  const email = `${prefix}-${Date.now().toString(36)}-${seq++}@crowd.example.com`;
  const b = await expect(
    request('POST', `${url}/api/register`, { body: { email, password: 'crowd-password-123', password_confirmation: 'crowd-password-123' } }),
    201,
    'register',
  );
  return { id: b.id, email, key: b.api_key };
}

export async function inParallel<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

export interface HttpBackendOptions {
  url: string;
  /** the requester: has a card on file (pay charges it for the shortfall) */
  owner: HttpUser;
  /** the crowd: member index i is crowd[i] (registered, not yet in any guild) */
  crowd: HttpUser[];
  name: string;
}

/**
 * The crowd harness (crowd.ts) against the real HTTP API: one guild per run with one task carrying
 * the run's `quality` object, the crowd invited, accepted and subscribed, the gold items posted to
 * `POST /api/tasks/:id/gold`, one batch of the run's data created and paid. Claims and submits are
 * the members' own requests with their own API keys. Results come from the batch's JSON Lines
 * export (§13.2: the aggregate, its confidence and `answers_count` per datum); money from the Batch
 * (`cost_cents` = the reservation, `gold_cents`, `spent_cents`, `refunded_cents`).
 *
 * Nothing here looks at datum ids to tell gold from real data: the harness knows each datum's
 * truth by its parameters, so gold served under fresh ids from the data sequence (§11.2) works
 * unchanged; `results()` keeps the rows whose parameters are the batch's own data.
 */
export class HttpBackend implements CrowdBackend {
  private guildId = '';
  taskId = '';
  batchId = '';
  private items = new Set<string>();
  private finishedAt = 0;
  private lastCheck = 0;
  private checking: Promise<boolean> | null = null;

  constructor(private readonly o: HttpBackendOptions) {}

  async setup(s: CrowdSetup): Promise<void> {
    const { url, owner } = this.o;
    const g = await expect(
      request('POST', `${url}/api/guilds`, { auth: owner.key, body: { name: this.o.name, description: 'crowd benchmark guild' } }),
      201,
      'guild',
    );
    this.guildId = g.id;
    const quality = {
      answer: 'label',
      labels: s.quality.labels,
      overlap: s.quality.overlap,
      aggregation: s.quality.aggregation,
      gold_rate: s.quality.gold_rate,
      qualification: s.quality.qualification,
      min_quality: s.quality.min_quality,
    };
    const t = await expect(
      request('POST', `${url}/api/guilds/${g.id}/tasks`, {
        auth: owner.key,
        body: { name: `${this.o.name} task`, minimum_amount_cents: s.rewardCents, quality },
      }),
      201,
      'task with quality',
    );
    this.taskId = t.id;
    await inParallel(this.o.crowd.slice(0, s.members), 8, async (m) => {
      const inv = await expect(request('POST', `${url}/api/guilds/${g.id}/invites`, { auth: owner.key, body: { email: m.email } }), 201, 'invite');
      await expect(request('POST', `${url}/api/invites/${inv.id}/accept`, { auth: m.key }), 200, 'accept');
      await expect(request('POST', `${url}/api/tasks/${t.id}/subscriptions`, { auth: m.key }), [200, 201], 'subscribe');
    });
    if (s.quality.gold_rate > 0 && s.gold.length > 0) {
      for (let i = 0; i < s.gold.length; i += 1000)
        await expect(request('POST', `${url}/api/tasks/${t.id}/gold`, { auth: owner.key, body: { data: s.gold.slice(i, i + 1000) } }), 201, 'gold');
    }
    for (const d of s.data) this.items.add(d.item);
    const batch = await expect(
      request('POST', `${url}/api/guilds/${g.id}/batches`, { auth: owner.key, body: { batch: { data: s.data } } }),
      201,
      'create batch',
    );
    this.batchId = batch.id;
    await expect(request('POST', `${url}/api/batches/${batch.id}/debits`, { auth: owner.key }), 201, 'pay');
  }

  /**
   * A 503 ("collided with others too often; retry shortly", with Retry-After) is retried as a
   * worker's client would: after Retry-After plus jitter, up to 10 times. Each is counted, so the
   * report shows how often the server asked for it.
   */
  retried503 = 0;
  private async send(method: string, url: string, opts: { auth: string; body?: unknown }) {
    for (let attempt = 1; ; attempt++) {
      const r = await request(method, url, opts);
      if (r.status !== 503 || attempt >= 10) return r;
      this.retried503++;
      await new Promise((done) => setTimeout(done, 1000 + Math.random() * 500));
    }
  }

  async claim(member: number): Promise<ClaimOutcome> {
    const r = await this.send('POST', `${this.o.url}/api/tasks/${this.taskId}/claims`, { auth: this.o.crowd[member].key });
    if (r.status === 204) return { kind: 'none' };
    if (r.status === 403) return { kind: 'refused', message: String(r.body?.error?.message ?? r.text) };
    if (r.status !== 201) throw new Error(`claim: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    return { kind: 'work', assignmentId: r.body.id, parameters: r.body.datum.parameters };
  }

  async submit(member: number, assignmentId: string, answer: string): Promise<boolean> {
    const r = await this.send('POST', `${this.o.url}/api/assignments/${assignmentId}/submit`, {
      auth: this.o.crowd[member].key,
      body: { parameters: { label: answer } },
    });
    if (r.status === 410) return false;
    if (r.status !== 200) throw new Error(`submit: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    return true;
  }

  /** The Batch's `completed`, read at most every 500 ms (the lanes ask before every claim). */
  async finished(): Promise<boolean> {
    if (this.finishedAt) return true;
    if (this.checking) return this.checking;
    if (Date.now() - this.lastCheck < 500) return false;
    this.checking = (async () => {
      const b = await expect(request('GET', `${this.o.url}/api/batches/${this.batchId}`, { auth: this.o.owner.key }), 200, 'batch');
      this.lastCheck = Date.now();
      if (b.completed) this.finishedAt = Date.now();
      return Boolean(b.completed);
    })().finally(() => (this.checking = null));
    return this.checking;
  }

  async results(): Promise<DatumOutcome[]> {
    const r = await request('GET', `${this.o.url}/api/batches/${this.batchId}/results?format=jsonl`, { auth: this.o.owner.key });
    if (r.status !== 200) throw new Error(`results: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    const out: DatumOutcome[] = [];
    for (const line of r.text.split('\n')) {
      if (!line.trim()) continue;
      const x = JSON.parse(line) as { answer: string | null; confidence: number | null; answers_count: number; parameters: Record<string, string> };
      if (!this.items.has(x.parameters.item)) continue;
      out.push({ parameters: x.parameters, label: x.answer, confidence: x.confidence, answers: x.answers_count });
    }
    return out;
  }

  async money(): Promise<MoneyOutcome> {
    const b = await expect(request('GET', `${this.o.url}/api/batches/${this.batchId}`, { auth: this.o.owner.key }), 200, 'batch');
    return { reservedCents: b.cost_cents, goldCents: b.gold_cents, spentCents: b.spent_cents, refundedCents: b.refunded_cents };
  }
}
