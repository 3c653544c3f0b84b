import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as zlib from 'node:zlib';

/**
 * Replays requests exactly as the published Ruby client (the `open-guilds` gem, 0.0.10, on
 * Faraday 0.15 with the net_http adapter) puts them on the wire, as its recorded cassettes show:
 *
 *   POST /api/guilds/1/batches HTTP/1.1
 *   User-Agent: Faraday v0.15.2
 *   Authorization: Basic NDQ3OTIxNjZlZGRlZDE4N2FmMDRlYTdmODFiMDQ1NDU=
 *   Content-Type: application/json
 *   Accept-Encoding: gzip;q=1.0,deflate;q=0.6,identity;q=0.3
 *   Accept: *\/*
 *   OpenGuilds-Version: 2018-12-18          (when OpenGuilds.api_version is set)
 *   Idempotency-Key: <uuid>                 (POST/DELETE, when max_network_retries > 0)
 *
 *   {"batch":{…}}                            ("{}" on GET and DELETE too: params default to {})
 *
 * Only test code: nothing here is the gem's code.
 */

/** Ruby's Base64.encode64: RFC 2045 base64, a "\n" after every 60 characters and at the end. */
export function rubyEncode64(s: string): string {
  const b64 = Buffer.from(s, 'utf8').toString('base64');
  return (b64.match(/.{1,60}/g) ?? ['']).join('\n') + '\n';
}

/**
 * The Authorization value as it goes on the wire: the client builds `"Basic " + encode64(key)`,
 * and Net::HTTP strips the value (so the trailing newline never leaves the process).
 */
export function rubyAuthorization(key: string): string {
  const value = `Basic ${rubyEncode64(key)}`.trim();
  // Net::HTTP (Ruby ≥ 2.5) refuses a header value with CR/LF left after strip: a key over 45 bytes
  // never leaves the client. This server's keys are 35 bytes.
  if (/[\r\n]/.test(value)) throw new Error('ArgumentError: header field value cannot include CR/LF');
  return value;
}

export interface RubyClientOptions {
  baseUrl: string;
  apiKey: string;
  /** OpenGuilds.api_version; unset sends no OpenGuilds-Version header */
  apiVersion?: string;
  /** OpenGuilds.max_network_retries > 0 adds a random Idempotency-Key to POST and DELETE */
  retries?: boolean;
  /** replaces the Authorization value (to send a form Net::HTTP would not) */
  authorization?: string;
}

export interface RubyResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** JSON.parse of the body, as Response.from_faraday_response does (undefined if not JSON) */
  body: any;
}

export type RubyMethod = 'get' | 'post' | 'delete';

/** Client#execute_request: `api_base + path`, body = params.to_json. */
export function executeRequest(opts: RubyClientOptions, method: RubyMethod, path: string, params: unknown = {}): Promise<RubyResponse> {
  const url = new URL(`${opts.baseUrl}/api${path}`);
  const body = Buffer.from(JSON.stringify(params), 'utf8');
  const headers: Record<string, string> = {
    'User-Agent': 'Faraday v0.15.2',
    Authorization: opts.authorization ?? rubyAuthorization(opts.apiKey),
    'Content-Type': 'application/json',
    'Accept-Encoding': 'gzip;q=1.0,deflate;q=0.6,identity;q=0.3',
    Accept: '*/*',
    'Content-Length': String(body.length),
  };
  if (opts.retries && (method === 'post' || method === 'delete')) headers['Idempotency-Key'] = randomUUID();
  if (opts.apiVersion) headers['OpenGuilds-Version'] = opts.apiVersion;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: method.toUpperCase(), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        let raw = Buffer.concat(chunks);
        const enc = res.headers['content-encoding'];
        if (enc === 'gzip') raw = zlib.gunzipSync(raw);
        else if (enc === 'deflate') raw = zlib.inflateSync(raw);
        const text = raw.toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * What the client's error handling makes of a failed response (Client#execute_request's rescue):
 * 422 → InvalidParametersError with `error` as the message; 401 → AuthorizationError;
 * 404 with type RecordNotFound → RecordNotFoundError; anything else → APIError.
 */
export function rubyErrorClass(res: RubyResponse): { klass: string; message?: string } | undefined {
  if (res.status < 400) return undefined;
  if (res.status === 422) return { klass: 'InvalidParametersError', message: res.body?.error };
  if (res.status === 401) return { klass: 'AuthorizationError' };
  if (res.status === 404 && res.body?.type === 'RecordNotFound') return { klass: 'RecordNotFoundError' };
  return { klass: 'APIError' };
}

/** Util.object_from: the class is `OpenGuilds::<object>`; these are the classes the gem defines. */
export const RUBY_CLASSES = ['Batch', 'Datum', 'Guild', 'Invite', 'List', 'Member', 'Transaction', 'Wallet'];
