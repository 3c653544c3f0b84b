import { TestUser } from './fixtures';
import { connectTasks, createGuild, createTask, createWorkspace } from './guild-fixtures';
import { TestServer } from './server';

export interface Pipeline {
  guildId: string;
  taskIds: string[];
}

/**
 * A guild and its pipeline through the API, every task using one open workspace, reduced to the
 * ids the batch and work tests use.
 */
export async function setUpPipeline(
  s: TestServer,
  owner: TestUser,
  spec: {
    input_parameters?: string[];
    tasks: Array<{ name: string; minimum_amount_cents: number; lease_seconds?: number }>;
    connections?: Array<[number, number]>;
  },
): Promise<Pipeline> {
  const guild = await createGuild(s.http, owner, { input_parameters: spec.input_parameters ?? [] });
  const workspace = await createWorkspace(s.http, owner);
  const taskIds: string[] = [];
  for (const t of spec.tasks) taskIds.push((await createTask(s.http, owner, guild.id as string, { ...t, workspace_id: workspace.id as string })).id as string);
  for (const [a, b] of spec.connections ?? []) await connectTasks(s.http, owner, guild.id as string, taskIds[a], taskIds[b]);
  return { guildId: guild.id as string, taskIds };
}

/** Attaches a test card through the money API (POST /api/payment_methods). */
export async function giveCard(s: TestServer, user: TestUser): Promise<void> {
  const res = await s.http.post('/api/payment_methods').set('Authorization', user.auth).send({ source: 'tok_visa' });
  if (res.status !== 201) throw new Error(`payment method: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function walletCents(s: TestServer, guildId: string, user: TestUser): Promise<number> {
  const rows = await s.sql<{ b: string }>(`SELECT balance_cents AS b FROM ledger_accounts WHERE kind = 'wallet' AND guild_id = $1 AND user_id = $2`, [
    guildId,
    user.id,
  ]);
  return rows.length ? Number(rows[0].b) : 0;
}

export async function escrowCents(s: TestServer, guildId: string): Promise<number> {
  const rows = await s.sql<{ b: string }>(`SELECT balance_cents AS b FROM ledger_accounts WHERE kind = 'escrow' AND guild_id = $1`, [guildId]);
  return rows.length ? Number(rows[0].b) : 0;
}
