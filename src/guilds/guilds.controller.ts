import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { pageOf, toPage } from '../common/pagination';
import { CreateGuildDto, GuildListQuery, UpdateGuildDto } from './dto/guild.dto';
import { GuildEntity } from './guild.entity';
import { presentGuild } from './guilds.presenter';
import { GuildsService } from './guilds.service';

@ApiTags('Guilds')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class GuildsController {
  constructor(private readonly guilds: GuildsService) {}

  @Post('guilds')
  async create(@CurrentCaller() caller: Caller, @Body() dto: CreateGuildDto) {
    return this.present(await this.guilds.create(caller, dto));
  }

  @Get('guilds')
  async list(@CurrentCaller() caller: Caller, @Query() q: GuildListQuery) {
    const page = toPage(q);
    const rows = await this.guilds.list(caller, q.role ?? 'owner', page);
    const prices = await this.guilds.prices(rows.map((g) => g.id));
    return pageOf('/api/guilds', page, rows, (g) => presentGuild(g, prices.get(String(g.id)) ?? 0));
  }

  /** `/api/guild/:id` is the singular alias old docs use. */
  @Get(['guilds/:id', 'guild/:id'])
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.present(await this.guilds.get(caller, id));
  }

  @Patch('guilds/:id')
  async update(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: UpdateGuildDto) {
    return this.present(await this.guilds.update(caller, id, dto));
  }

  private async present(guild: GuildEntity) {
    const prices = await this.guilds.prices([guild.id]);
    return presentGuild(guild, prices.get(String(guild.id)) ?? 0);
  }
}
