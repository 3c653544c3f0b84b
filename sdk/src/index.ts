import createFetchClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
/** Every wire object of the API by its schema name: `Schemas['Batch']`, `Schemas['Assignment']`, … */
export type Schemas = components['schemas'];
export type OpenGuildsClient = Client<paths>;

export interface OpenGuildsOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** the server, e.g. http://localhost:3000 */
  baseUrl: string;
  /** sent as `Authorization: Bearer <apiKey>`; omit for register and the public routes */
  apiKey?: string;
}

/**
 * A typed client of the OpenGuilds API: `client.POST('/api/guilds', { body })` takes and returns
 * exactly what the OpenAPI document says (paths, bodies, parameters, every status), checked by
 * the TypeScript compiler. Each call resolves to `{ data, error, response }`: `data` on a 2xx,
 * `error` (the API's error object) otherwise.
 */
export function createClient({ baseUrl, apiKey, headers, ...rest }: OpenGuildsOptions): OpenGuildsClient {
  const auth: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
  return createFetchClient<paths>({ baseUrl, headers: { ...auth, ...headersObject(headers) }, ...rest });
}

function headersObject(h: OpenGuildsOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) {
    h.forEach((value, key) => (out[key] = value));
    return out;
  }
  for (const [k, v] of Array.isArray(h) ? h : Object.entries(h)) if (typeof v === 'string') out[k] = v;
  return out;
}
