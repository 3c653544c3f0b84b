import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { pageOf, toPage } from '../common/pagination';
import { CreateGuildDto, GuildListQuery, UpdateGuildDto } from './dto/guild.dto';
import { GuildEntity } from './guild.entity';
import { presentGuild } from './guilds.presenter';
import { GuildsService } from './guilds.service';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { Guild, GuildList } from './dto/guild.response';

@ApiTags('Guilds')
@Controller('api')
export class GuildsController {
  constructor(private readonly guilds: GuildsService) {}

  @ApiDoc({
    id: 'createGuild',
    summary: 'Create a guild',
    description: 'The caller owns it.',
    body: true,
    ok: { status: 201, type: Guild, description: 'the new guild' },
    errors: [422],
  })
  @Post('guilds')
  async create(@CurrentCaller() caller: Caller, @Body() dto: CreateGuildDto) {
    return this.present(await this.guilds.create(caller, dto));
  }

  @ApiDoc({
    id: 'listGuilds',
    summary: 'List guilds',
    description: 'The guilds the caller owns, or with `role=member` the guilds the caller works in.',
    ok: { status: 200, type: GuildList, description: 'newest first' },
    errors: [422],
  })
  @Get('guilds')
  async list(@CurrentCaller() caller: Caller, @Query() q: GuildListQuery) {
    const page = toPage(q);
    const rows = await this.guilds.list(caller, q.role ?? 'owner', page);
    const prices = await this.guilds.prices(rows.map((g) => g.id));
    return pageOf('/api/guilds', page, rows, (g) => presentGuild(g, prices.get(String(g.id)) ?? 0));
  }

  /** The singular /api/guild/:id of the old docs is an alias (src/compat/aliases.ts). */
  @ApiDoc({
    id: 'getGuild',
    summary: 'Get a guild',
    description: 'For its owner and its members.',
    ok: { status: 200, type: Guild, description: 'the guild' },
    errors: [404],
  })
  @Get('guilds/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.present(await this.guilds.get(caller, id));
  }

  @ApiDoc({
    id: 'updateGuild',
    summary: 'Update a guild',
    description: 'Owner only.',
    body: true,
    ok: { status: 200, type: Guild, description: 'the updated guild' },
    errors: [403, 404, 422],
  })
  @Patch('guilds/:id')
  async update(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: UpdateGuildDto) {
    return this.present(await this.guilds.update(caller, id, dto));
  }

  private async present(guild: GuildEntity) {
    const prices = await this.guilds.prices([guild.id]);
    return presentGuild(guild, prices.get(String(guild.id)) ?? 0);
  }
}
