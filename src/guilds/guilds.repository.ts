import { EntityManager } from 'typeorm';
import { sql } from '../database/sql';
import { GuildEntity } from './guild.entity';

/**
 * The only code that writes the guilds table (docs/architecture.md, "Who owns which table"), and
 * the guilds module's own raw reads. One function per statement; pass the transaction's `em`.
 */

export type NewGuild = Pick<GuildEntity, 'ownerId' | 'name' | 'description' | 'inputParameters'>;

export function insertGuild(em: EntityManager, guild: NewGuild): Promise<GuildEntity> {
  return em.save(em.create(GuildEntity, guild));
}

/** Writes the changed fields of a loaded guild (name, description, input_parameters). */
export function saveGuild(em: EntityManager, guild: GuildEntity): Promise<GuildEntity> {
  return em.save(guild);
}

/** Locks the guild row until the transaction ends (serialises the pipeline edits of one guild). */
export async function lockGuild(em: EntityManager, guildId: string): Promise<void> {
  await sql(em, 'SELECT id FROM guilds WHERE id = $1 FOR UPDATE', [guildId]);
}

export interface GuildPriceRow {
  guild_id: string;
  cents: string;
}

/** The sum of minimum_amount_cents of each guild's tasks (guilds with no task are left out). */
export function taskPriceSums(em: EntityManager, guildIds: string[]): Promise<GuildPriceRow[]> {
  return sql<GuildPriceRow>(em, `SELECT guild_id, sum(minimum_amount_cents) AS cents FROM tasks WHERE guild_id = ANY($1::bigint[]) GROUP BY guild_id`, [
    guildIds,
  ]);
}
