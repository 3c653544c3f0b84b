import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { toCents } from '../common/money';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { GuildAccess, GuildRole } from './guild-access.service';
import { GuildEntity } from './guild.entity';
import { insertGuild, saveGuild, taskPriceSums } from './guilds.repository';
import { CreateGuildDto, UpdateGuildDto } from './dto/guild.dto';

@Injectable()
export class GuildsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: GuildAccess,
  ) {}

  create(caller: Caller, dto: CreateGuildDto): Promise<GuildEntity> {
    return inTransaction(this.db, (em) =>
      insertGuild(em, {
        ownerId: caller.userId,
        name: dto.name.trim(),
        description: dto.description,
        inputParameters: dto.input_parameters ?? [],
      }),
    );
  }

  /** role 'owner': guilds the caller owns; 'member': guilds where the caller is an active member. Newest first. */
  list(caller: Caller, role: GuildRole, page: Page): Promise<GuildEntity[]> {
    const qb = this.db.getRepository(GuildEntity).createQueryBuilder('g');
    if (role === 'owner') qb.where('g.owner_id = :uid', { uid: caller.userId });
    else qb.innerJoin('members', 'm', "m.guild_id = g.id AND m.user_id = :uid AND m.status = 'active'", { uid: caller.userId });
    return qb
      .orderBy('g.id', 'DESC')
      .offset(page.offset)
      .limit(page.limit + 1)
      .getMany();
  }

  async get(caller: Caller, id: string): Promise<GuildEntity> {
    return (await this.access.visibleGuild(caller, id)).guild;
  }

  update(caller: Caller, id: string, dto: UpdateGuildDto): Promise<GuildEntity> {
    return inTransaction(this.db, async (em) => {
      const guild = await this.access.ownerOnly(caller, id, em);
      if (dto.name !== undefined) guild.name = dto.name.trim();
      if (dto.description !== undefined) guild.description = dto.description;
      if (dto.input_parameters !== undefined) guild.inputParameters = dto.input_parameters;
      return saveGuild(em, guild);
    });
  }

  /** price_per_datum_cents of each guild (0 for a guild with no task). */
  async prices(guildIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(guildIds.map((id) => [String(id), 0]));
    if (guildIds.length === 0) return out;
    for (const r of await taskPriceSums(this.db.manager, guildIds)) out.set(String(r.guild_id), toCents(r.cents));
    return out;
  }
}
