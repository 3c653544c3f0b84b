import * as http from 'node:http';

/** A small keep-alive JSON client on node:http (lighter on the shared CPU than fetch/undici). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Res<T = any> {
  status: number;
  body: T;
  text: string;
}

export function request<T = any>(method: string, url: string, opts: { auth?: string; body?: unknown; raw?: string } = {}, retried = false): Promise<Res<T>> {
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          accept: 'application/json',
          ...(opts.auth ? { authorization: `Bearer ${opts.auth}` } : {}),
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if (text && /json/.test(String(res.headers['content-type']))) {
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: body as T, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // the server closed an idle keep-alive socket (keepAliveTimeout 5 s) just as it was reused:
      // the request never reached it, so send it once more on a fresh socket (Node's documented pattern)
      if (!retried && req.reusedSocket && err.code === 'ECONNRESET') resolve(request<T>(method, url, opts, true));
      else reject(err);
    });
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Throws unless the status is the expected one. */
export async function expect<T = any>(p: Promise<Res<T>>, status: number | number[], what: string): Promise<T> {
  const r = await p;
  const ok = Array.isArray(status) ? status.includes(r.status) : r.status === status;
  if (!ok) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}
