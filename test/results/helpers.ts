import TestAgent from 'supertest/lib/agent';
import { registerUser, TestUser } from '../support/fixtures';
import { addMember, subscribe } from '../support/guild-fixtures';

type Wire = Record<string, any>;

/** A member of the guild, subscribed to the given tasks. */
export async function worker(http: TestAgent, owner: TestUser, guildId: string, taskIds: string[]): Promise<TestUser & { memberId: string }> {
  const w = await registerUser(http);
  const memberId = (await addMember(http, owner, guildId, w)).id as string;
  for (const t of taskIds) await subscribe(http, w, t);
  return { ...w, memberId };
}

export async function createBatch(http: TestAgent, owner: TestUser, guildId: string, data: object[], webhooks: object[] = []): Promise<string> {
  const res = await http.post(`/api/guilds/${guildId}/batches`).set('Authorization', owner.auth).send({ batch: { data, webhooks } });
  if (res.status !== 201) throw new Error(`create batch: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function pay(http: TestAgent, owner: TestUser, batchId: string): Promise<void> {
  const res = await http.post(`/api/batches/${batchId}/debits`).set('Authorization', owner.auth);
  if (res.status !== 201) throw new Error(`pay: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Claims one piece of work at the task and submits `parameters`; false when none is open. */
export async function claimAndSubmit(http: TestAgent, w: TestUser, taskId: string, parameters: (datum: Wire) => object): Promise<Wire | false> {
  const c = await http.post(`/api/tasks/${taskId}/claims`).set('Authorization', w.auth);
  if (c.status === 204) return false;
  if (c.status !== 201) throw new Error(`claim: ${c.status} ${JSON.stringify(c.body)}`);
  const s = await http
    .post(`/api/assignments/${c.body.id}/submit`)
    .set('Authorization', w.auth)
    .send({ parameters: parameters(c.body.datum) });
  if (s.status !== 200) throw new Error(`submit: ${s.status} ${JSON.stringify(s.body)}`);
  return c.body;
}

export interface SseEvent {
  id?: string;
  event: string;
  data: Wire;
  at: number;
}

/**
 * A progress stream read with fetch (as pages do: the API key in a header). Events are parsed
 * as they arrive; `next(pred)` waits for the first unread event matching, `ended` resolves when
 * the server closes the stream.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  ended!: Promise<void>;
  private readonly controller = new AbortController();
  private waiters: Array<() => void> = [];

  static async open(url: string, auth: string, lastEventId?: string): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, {
      headers: { authorization: auth, accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) },
      signal: c.controller.signal,
    });
    c.status = res.status;
    if (res.status !== 200) {
      c.ended = Promise.resolve();
      (c as { body?: unknown }).body = await res.json().catch(() => undefined);
      return c;
    }
    c.ended = c.read(res.body!);
    return c;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: Partial<SseEvent> & { lines: string[] } = { lines: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments.push(line);
            else if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.lines.push(line.slice(6));
          }
          if (ev.lines.length) this.events.push({ id: ev.id, event: ev.event ?? 'message', data: JSON.parse(ev.lines.join('\n')), at: Date.now() });
          for (const w of this.waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted by close()
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the first event (from index `from`) matching `pred`. */
  async next(pred: (e: SseEvent) => boolean, from = 0, timeoutMs = 30_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching SSE event; got ${JSON.stringify(this.events.map((e) => [e.id, e.event]))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
  }

  close(): void {
    this.controller.abort();
  }
}
