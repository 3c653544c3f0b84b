import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, CurrentCaller, WireVersion } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { ApiVersion, wireId, wireTime } from '../common/wire';
import { presentTask } from '../tasks/tasks.presenter';
import { TasksService } from '../tasks/tasks.service';
import { AcceptInviteQuery, CreateInviteDto, FindMemberQuery } from './dto/members.dto';
import { InvitesService } from './invites.service';
import { presentInvite, presentMember } from './members.presenter';
import { MembersService } from './members.service';
import { SubscriptionRow, SubscriptionsService } from './subscriptions.service';

/** `/api/guild/…` are the singular aliases old docs use. */
@ApiTags('Members')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get(['guilds/:gid/members', 'guild/:gid/members'])
  async list(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/guilds/${gid}/members`, page, await this.members.list(caller, gid, page), presentMember);
  }

  @Get(['guilds/:gid/members/find', 'guild/:gid/members/find'])
  async find(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: FindMemberQuery) {
    return presentMember(await this.members.find(caller, gid, q.email));
  }

  @Get(['guilds/:gid/members/:id', 'guild/:gid/members/:id'])
  async getNested(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string) {
    return presentMember(await this.members.get(caller, id, gid));
  }

  @Get('members/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentMember(await this.members.get(caller, id));
  }

  @Delete(['guilds/:gid/members/:id', 'guild/:gid/members/:id'])
  @HttpCode(200)
  async removeNested(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string) {
    const m = await this.members.remove(caller, id, gid);
    return { object: 'Member' as const, id: wireId(m.id), deleted: true };
  }

  @Delete('members/:id')
  @HttpCode(200)
  async remove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const m = await this.members.remove(caller, id);
    return { object: 'Member' as const, id: wireId(m.id), deleted: true };
  }
}

@ApiTags('Invites')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @Post('guilds/:gid/invites')
  async create(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() dto: CreateInviteDto) {
    return presentInvite(await this.invites.create(caller, gid, dto.email));
  }

  @Get('guilds/:gid/invites')
  async list(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/guilds/${gid}/invites`, page, await this.invites.list(caller, gid, page), (i) => presentInvite(i));
  }

  @Get('me/invites')
  async mine(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/me/invites', page, await this.invites.mine(caller, page), (r) => presentInvite(r.invite, r.guildName));
  }

  @Post('invites/:id/accept')
  @HttpCode(200)
  async accept(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: AcceptInviteQuery) {
    return presentMember(await this.invites.accept(caller, id, q.token));
  }

  @Delete('invites/:id')
  @HttpCode(200)
  async revoke(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentInvite(await this.invites.revoke(caller, id));
  }
}

function presentSubscription(s: SubscriptionRow) {
  return { object: 'Subscription' as const, task_id: wireId(s.task_id), member_id: wireId(s.member_id), created: wireTime(s.created) };
}

@ApiTags('Subscriptions')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly tasks: TasksService,
  ) {}

  /** 201 when subscribed now, 200 when already subscribed. */
  @Post('tasks/:id/subscriptions')
  async subscribe(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Res({ passthrough: true }) res: Response) {
    const { subscription, created } = await this.subscriptions.subscribe(caller, id);
    res.status(created ? 201 : 200);
    return presentSubscription(subscription);
  }

  @Delete('tasks/:id/subscriptions')
  @HttpCode(200)
  async unsubscribe(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const s = await this.subscriptions.unsubscribe(caller, id);
    return { ...presentSubscription(s), deleted: true };
  }

  @Get('me/tasks')
  async myTasks(@CurrentCaller() caller: Caller, @Query() q: PageQuery, @WireVersion() version: ApiVersion) {
    const page = toPage(q);
    const rows = await this.subscriptions.myTasks(caller, page);
    const views = await this.tasks.views(rows.map((r) => r.task));
    const items = views.map((v, i) => ({ v, count: rows[i].openWorkCount }));
    return pageOf('/api/me/tasks', page, items, ({ v, count }) => presentTask(v.task, v.workspace, v.connections, version, { open_work_count: count }));
  }
}
