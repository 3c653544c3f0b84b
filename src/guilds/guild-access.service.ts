import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { forbidden, notFound } from '../common/errors';
import { MemberEntity } from '../members/member.entity';
import { GuildEntity } from './guild.entity';
import { lockGuild } from './guilds.repository';

export type GuildRole = 'owner' | 'member';

/**
 * Who may see and change a guild. Every module that works on a guild's records goes through here,
 * so "not part of the guild" is a 404 everywhere (API.md §1.2: never reveal other tenants' ids).
 */
@Injectable()
export class GuildAccess {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The guild, if the caller owns it; else 404 (members too). */
  async ownedGuild(caller: Caller, guildId: string, em?: EntityManager): Promise<GuildEntity> {
    const guild = await (em ?? this.db.manager).findOneBy(GuildEntity, { id: guildId, ownerId: caller.userId });
    if (!guild) throw notFound('Guild', guildId);
    return guild;
  }

  /** Whether the caller owns the guild (false for an unknown guild). */
  async isOwner(caller: Caller, guildId: string, em?: EntityManager): Promise<boolean> {
    return (await (em ?? this.db.manager).existsBy(GuildEntity, { id: guildId, ownerId: caller.userId })) === true;
  }

  /** The guild and the caller's role in it, if they own it or are an active member; else 404. */
  async visibleGuild(caller: Caller, guildId: string, em?: EntityManager): Promise<{ guild: GuildEntity; role: GuildRole }> {
    const m = em ?? this.db.manager;
    const guild = await m.findOneBy(GuildEntity, { id: guildId });
    if (!guild) throw notFound('Guild', guildId);
    if (guild.ownerId === caller.userId) return { guild, role: 'owner' };
    if (await this.activeMember(caller, guildId, em)) return { guild, role: 'member' };
    throw notFound('Guild', guildId);
  }

  /**
   * For owner-only actions on a guild the caller can see: 404 for strangers, 403 for members
   * (they know the guild exists; they are just not allowed to change it).
   */
  async ownerOnly(caller: Caller, guildId: string, em?: EntityManager): Promise<GuildEntity> {
    const { guild, role } = await this.visibleGuild(caller, guildId, em);
    if (role !== 'owner') throw forbidden('Only the owner of the guild may do this');
    return guild;
  }

  /** Locks the guild row until `em`'s transaction ends: pipeline edits of one guild run one at a time. */
  lock(guildId: string, em: EntityManager): Promise<void> {
    return lockGuild(em, guildId);
  }

  /** The caller's active membership of the guild, if any. */
  async activeMember(caller: Caller, guildId: string, em?: EntityManager): Promise<MemberEntity | undefined> {
    const member = await (em ?? this.db.manager).findOneBy(MemberEntity, { guildId, userId: caller.userId, status: 'active' });
    return member ?? undefined;
  }
}
