/**
 * INTERIM test fixtures: guilds, tasks, members, subscriptions and cards inserted with SQL, until
 * the guilds branch's test/support/guild-fixtures.ts (HTTP) and the money branch's
 * POST /api/payment_methods land. Delete this file then.
 */
import { TestUser } from './fixtures';
import { TestServer } from './server';

export interface PipelineSpec {
  input_parameters?: string[];
  tasks: Array<{ name: string; minimum_amount_cents: number; lease_seconds?: number }>;
  connections?: Array<[number, number]>;
}

export interface Pipeline {
  guildId: string;
  taskIds: string[];
}

export async function createPipelineSql(s: TestServer, owner: TestUser, spec: PipelineSpec): Promise<Pipeline> {
  const [g] = await s.sql<{ id: string }>('INSERT INTO guilds (owner_id, name, input_parameters) VALUES ($1, $2, $3) RETURNING id', [owner.id, 'Guild', spec.input_parameters ?? []]);
  const [ws] = await s.sql<{ id: string }>(`INSERT INTO workspaces (owner_id, name, preview, permissions) VALUES ($1, 'WS', 'https://preview.example.com/ws', 'open') RETURNING id`, [owner.id]);
  const taskIds: string[] = [];
  for (const t of spec.tasks) {
    const [row] = await s.sql<{ id: string }>(
      'INSERT INTO tasks (guild_id, workspace_id, name, minimum_amount_cents, lease_seconds) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [g.id, ws.id, t.name, t.minimum_amount_cents, t.lease_seconds ?? 1800],
    );
    taskIds.push(row.id);
  }
  for (const [a, b] of spec.connections ?? []) {
    await s.sql('INSERT INTO connections (guild_id, source_task_id, target_task_id) VALUES ($1, $2, $3)', [g.id, taskIds[a], taskIds[b]]);
  }
  return { guildId: g.id, taskIds };
}

export async function addMemberSql(s: TestServer, guildId: string, worker: TestUser): Promise<string> {
  const [m] = await s.sql<{ id: string }>('INSERT INTO members (guild_id, user_id) VALUES ($1, $2) RETURNING id', [guildId, worker.id]);
  return m.id;
}

export async function subscribeSql(s: TestServer, memberId: string, taskId: string): Promise<void> {
  await s.sql('INSERT INTO subscriptions (member_id, task_id) VALUES ($1, $2)', [memberId, taskId]);
}

/** Attaches a test card through the money API (POST /api/payment_methods). */
export async function giveCard(s: TestServer, user: TestUser): Promise<void> {
  const res = await s.http.post('/api/payment_methods').set('Authorization', user.auth).send({ source: 'tok_visa' });
  if (res.status !== 201) throw new Error(`payment method: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function walletCents(s: TestServer, guildId: string, user: TestUser): Promise<number> {
  const rows = await s.sql<{ b: string }>(`SELECT balance_cents AS b FROM ledger_accounts WHERE kind = 'wallet' AND guild_id = $1 AND user_id = $2`, [guildId, user.id]);
  return rows.length ? Number(rows[0].b) : 0;
}

export async function escrowCents(s: TestServer, guildId: string): Promise<number> {
  const rows = await s.sql<{ b: string }>(`SELECT balance_cents AS b FROM ledger_accounts WHERE kind = 'escrow' AND guild_id = $1`, [guildId]);
  return rows.length ? Number(rows[0].b) : 0;
}

