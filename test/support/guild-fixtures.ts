import TestAgent from 'supertest/lib/agent';
import { TestUser } from './fixtures';

/**
 * Guild, workspace, task, membership and subscription fixtures. Everything goes through the HTTP
 * API, so they exercise the same paths as a client. Each throws with the response on failure.
 */

type Wire = Record<string, any>;

function check(res: { status: number; body: unknown }, expected: number, what: string): Wire {
  if (res.status !== expected) throw new Error(`${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Wire;
}

export async function createGuild(http: TestAgent, owner: TestUser, opts: { name?: string; input_parameters?: string[] } = {}): Promise<Wire> {
  const res = await http
    .post('/api/guilds')
    .set('Authorization', owner.auth)
    .send({ name: opts.name ?? 'Test Guild', description: 'made by a test', input_parameters: opts.input_parameters ?? [] });
  return check(res, 201, 'createGuild');
}

export async function createWorkspace(http: TestAgent, owner: TestUser): Promise<Wire> {
  const res = await http
    .post('/api/workspaces')
    .set('Authorization', owner.auth)
    .send({ name: 'Test Workspace', preview: 'https://workspace.example.com/task', permissions: 'open' });
  return check(res, 201, 'createWorkspace');
}

export async function createTask(
  http: TestAgent,
  owner: TestUser,
  guildId: string,
  opts: { name?: string; minimum_amount_cents: number; workspace_id?: string; lease_seconds?: number },
): Promise<Wire> {
  const res = await http
    .post(`/api/guilds/${guildId}/tasks`)
    .set('Authorization', owner.auth)
    .send({
      name: opts.name ?? 'Test Task',
      minimum_amount_cents: opts.minimum_amount_cents,
      ...(opts.workspace_id ? { workspace_id: opts.workspace_id } : {}),
      ...(opts.lease_seconds ? { lease_seconds: opts.lease_seconds } : {}),
    });
  return check(res, 201, 'createTask');
}

export async function connectTasks(http: TestAgent, owner: TestUser, guildId: string, sourceId: string, targetId: string): Promise<Wire> {
  const res = await http.post(`/api/guilds/${guildId}/connections`).set('Authorization', owner.auth).send({ source: sourceId, target: targetId });
  return check(res, 201, 'connectTasks');
}

/** Invites the worker's email and accepts by id as the worker; returns the Member wire object. */
export async function addMember(http: TestAgent, owner: TestUser, guildId: string, worker: TestUser): Promise<Wire> {
  const invite = check(await http.post(`/api/guilds/${guildId}/invites`).set('Authorization', owner.auth).send({ email: worker.email }), 201, 'invite');
  return check(await http.post(`/api/invites/${invite.id}/accept`).set('Authorization', worker.auth), 200, 'accept invite');
}

export async function subscribe(http: TestAgent, worker: TestUser, taskId: string): Promise<Wire> {
  const res = await http.post(`/api/tasks/${taskId}/subscriptions`).set('Authorization', worker.auth);
  if (res.status !== 201 && res.status !== 200) throw new Error(`subscribe failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Wire;
}

/**
 * A guild with its tasks (in the given order) and connections given as index pairs into `tasks`.
 * Returns the guild as read back after the pipeline is built (so price_per_datum is final) and
 * the created tasks.
 */
export async function createPipeline(
  http: TestAgent,
  owner: TestUser,
  spec: {
    input_parameters?: string[];
    tasks: Array<{ name: string; minimum_amount_cents: number; lease_seconds?: number }>;
    connections?: Array<[number, number]>;
  },
): Promise<{ guild: Wire; tasks: Wire[] }> {
  const guild = await createGuild(http, owner, { input_parameters: spec.input_parameters ?? [] });
  const tasks: Wire[] = [];
  for (const t of spec.tasks) tasks.push(await createTask(http, owner, guild.id, t));
  for (const [s, t] of spec.connections ?? []) await connectTasks(http, owner, guild.id, tasks[s].id, tasks[t].id);
  const fresh = check(await http.get(`/api/guilds/${guild.id}`).set('Authorization', owner.auth), 200, 'read guild');
  return { guild: fresh, tasks };
}
