import { randomBytes } from 'node:crypto';
import { sampleData } from './sample-images';

/**
 * Builds a small working marketplace through the public HTTP API only (so it exercises the same
 * paths as any client): a requester, a guild with two tasks joined "Label" → "Check label", both
 * using the sample workspace, a worker who is a member subscribed to both, and a batch of the
 * sample images paid by card (tok_visa; in test mode the card goes to the local Stripe mock).
 * Used by `npm run demo` (scripts/demo.ts) and by the browser test.
 */

export interface DemoUser {
  id: string;
  email: string;
  apiKey: string;
}

export interface DemoMarketplace {
  requester: DemoUser;
  worker: DemoUser;
  guildId: string;
  workspaceId: string;
  taskIds: [string, string];
  memberId: string;
  batchId: string;
  datumIds: string[];
}

type Wire = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the API's JSON, read field by field as the docs show

export class DemoApiError extends Error {}

/** A tiny JSON client of this server's API. `apiUrl` is where it listens (e.g. http://127.0.0.1:3000). */
export function apiClient(apiUrl: string) {
  return async function call(method: string, path: string, key: string | undefined, body?: unknown, expected: number[] = [200, 201]): Promise<Wire> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Wire) : {};
    if (!expected.includes(res.status)) throw new DemoApiError(`${method} ${path} → ${res.status}: ${json.error ?? text}`);
    return json;
  };
}

export async function setUpDemoMarketplace(opts: {
  /** where the server listens, for the API calls */
  apiUrl: string;
  /** the server's PUBLIC_URL: the workspace preview and image URLs are built on it */
  publicUrl: string;
  /** how many sample images go in the batch (1–4; default all 4) */
  images?: number;
  /** prefix of the generated e-mail addresses */
  emailPrefix?: string;
}): Promise<DemoMarketplace> {
  const call = apiClient(opts.apiUrl);
  const tag = randomBytes(3).toString('hex');
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  const register = async (who: string): Promise<DemoUser> => {
    const email = `${opts.emailPrefix ?? 'demo'}-${who}-${tag}@example.com`;
    const u = await call('POST', '/api/register', undefined, { email, password, password_confirmation: password });
    return { id: u.id, email, apiKey: u.api_key };
  };

  const requester = await register('requester');
  const worker = await register('worker');
  const rk = requester.apiKey;

  const guild = await call('POST', '/api/guilds', rk, {
    name: 'Shape Spotters',
    description: 'Labels what shape each image shows, then a second look checks the label.',
    input_parameters: ['image_url'],
  });
  const workspace = await call('POST', '/api/workspaces', rk, {
    name: 'OpenGuilds sample: label an image',
    preview: `${opts.publicUrl}/workspaces/demo`,
    permissions: 'open',
  });
  const label = await call('POST', `/api/guilds/${guild.id}/tasks`, rk, { name: 'Label the image', minimum_amount_cents: 50, workspace_id: workspace.id });
  const check = await call('POST', `/api/guilds/${guild.id}/tasks`, rk, { name: 'Check the label', minimum_amount_cents: 20, workspace_id: workspace.id });
  await call('POST', `/api/guilds/${guild.id}/connections`, rk, { source: label.id, target: check.id });

  const invite = await call('POST', `/api/guilds/${guild.id}/invites`, rk, { email: worker.email });
  const member = await call('POST', `/api/invites/${invite.id}/accept`, worker.apiKey);
  for (const t of [label, check]) await call('POST', `/api/tasks/${t.id}/subscriptions`, worker.apiKey);

  const data = sampleData(opts.publicUrl).slice(0, Math.max(1, Math.min(opts.images ?? 4, 4)));
  const batch = await call('POST', `/api/guilds/${guild.id}/batches`, rk, { batch: { data } });
  await call('POST', '/api/payment_methods', rk, { source: 'tok_visa' });
  await call('POST', `/api/batches/${batch.id}/debits`, rk);

  return {
    requester,
    worker,
    guildId: guild.id,
    workspaceId: workspace.id,
    taskIds: [label.id, check.id],
    memberId: member.id,
    batchId: batch.id,
    datumIds: (batch.data as Wire[]).map((d) => d.id),
  };
}
