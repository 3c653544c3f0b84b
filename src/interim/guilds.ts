import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { notFound } from '../common/errors';
import { toCents } from '../common/money';
import { sql, sqlOne } from '../batches/sql';

/** INTERIM: the fields of GuildEntity that batches use. */
export interface GuildEntity {
  id: string;
  ownerId: string;
  name: string;
  inputParameters: string[];
}

export interface MemberEntity {
  id: string;
  guildId: string;
  userId: string;
  status: string;
}

export interface TaskEntity {
  id: string;
  guildId: string;
  minimumAmountCents: number;
  leaseSeconds: number;
  workspaceId: string | null;
}

interface GuildRow {
  id: string;
  owner_id: string;
  name: string;
  input_parameters: string[];
}
const toGuild = (r: GuildRow): GuildEntity => ({ id: r.id, ownerId: r.owner_id, name: r.name, inputParameters: r.input_parameters });

/** INTERIM stand-in for src/guilds/guild-access.service.ts (wip-guilds). */
@Injectable()
export class GuildAccess {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async ownedGuild(caller: Caller, guildId: string): Promise<GuildEntity> {
    const r = await sqlOne<GuildRow>(this.ds.manager, 'SELECT * FROM guilds WHERE id = $1 AND owner_id = $2', [guildId, caller.userId]);
    if (!r) throw notFound('Guild', guildId);
    return toGuild(r);
  }

  async visibleGuild(caller: Caller, guildId: string): Promise<{ guild: GuildEntity; role: 'owner' | 'member' }> {
    const r = await sqlOne<GuildRow>(this.ds.manager, 'SELECT * FROM guilds WHERE id = $1', [guildId]);
    if (!r) throw notFound('Guild', guildId);
    if (r.owner_id === caller.userId) return { guild: toGuild(r), role: 'owner' };
    if (await this.activeMember(caller, guildId)) return { guild: toGuild(r), role: 'member' };
    throw notFound('Guild', guildId);
  }

  async activeMember(caller: Caller, guildId: string): Promise<MemberEntity | undefined> {
    const r = await sqlOne<{ id: string; guild_id: string; user_id: string; status: string }>(
      this.ds.manager,
      `SELECT * FROM members WHERE guild_id = $1 AND user_id = $2 AND status = 'active'`,
      [guildId, caller.userId],
    );
    return r && { id: r.id, guildId: r.guild_id, userId: r.user_id, status: r.status };
  }
}

/** INTERIM stand-in for src/tasks/pipeline.service.ts (wip-guilds). */
@Injectable()
export class PipelineService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async tasks(guildId: string, em?: EntityManager): Promise<TaskEntity[]> {
    const rows = await sql<{ id: string; guild_id: string; minimum_amount_cents: string; lease_seconds: number; workspace_id: string | null }>(
      em ?? this.ds.manager,
      'SELECT * FROM tasks WHERE guild_id = $1 ORDER BY id',
      [guildId],
    );
    return rows.map((r) => ({ id: r.id, guildId: r.guild_id, minimumAmountCents: toCents(r.minimum_amount_cents), leaseSeconds: r.lease_seconds, workspaceId: r.workspace_id }));
  }

  async connections(guildId: string, em?: EntityManager): Promise<Array<{ sourceTaskId: string; targetTaskId: string }>> {
    const rows = await sql<{ source_task_id: string; target_task_id: string }>(em ?? this.ds.manager, 'SELECT * FROM connections WHERE guild_id = $1', [guildId]);
    return rows.map((r) => ({ sourceTaskId: r.source_task_id, targetTaskId: r.target_task_id }));
  }

  async pricePerDatumCents(guildId: string, em?: EntityManager): Promise<number> {
    const r = await sqlOne<{ s: string }>(em ?? this.ds.manager, 'SELECT coalesce(sum(minimum_amount_cents), 0) AS s FROM tasks WHERE guild_id = $1', [guildId]);
    return toCents(r!.s);
  }
}
