import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, CurrentCaller, WireVersion } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { ApiVersion, wireId, wireTime } from '../common/wire';
import { presentTask } from '../tasks/tasks.presenter';
import { TasksService } from '../tasks/tasks.service';
import { AcceptInviteQuery, BlockMemberDto, CreateInviteDto, FindMemberQuery, MemberListQuery } from './dto/members.dto';
import { InvitesService } from './invites.service';
import { presentInvite, presentMember } from './members.presenter';
import { MembersService } from './members.service';
import { SubscriptionRow, SubscriptionsService } from './subscriptions.service';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { DeletedMember, DeletedSubscription, Invite, InviteList, Member, MemberList, Subscription } from './dto/members.response';
import { TaskList } from '../tasks/dto/task.response';

@ApiTags('Members')
@Controller('api')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @ApiDoc({
    id: 'listMembers',
    summary: "List a guild's members",
    description: 'Owner only. `blocked=true` lists only the members blocked now (§12.4), `blocked=false` only the others.',
    ok: { status: 200, type: MemberList, description: 'active members' },
    errors: [403, 404, 422],
  })
  @Get('guilds/:gid/members')
  async list(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: MemberListQuery) {
    const page = toPage(q);
    return pageOf(`/api/guilds/${gid}/members`, page, await this.members.list(caller, gid, page, q.blocked), presentMember);
  }

  @ApiDoc({
    id: 'blockMember',
    summary: 'Block a member',
    description:
      'Owner only (API.md §12.4). The member cannot claim in the guild (403) until unblocked or until `until`; their live assignments go back ' +
      'to the pool at once; their records and wallet stay. Blocking a blocked member is answered with the Member, unchanged. ' +
      '`until` in the past is a 422.',
    body: true,
    ok: { status: 200, type: Member, description: 'the member, `blocked: true`' },
    errors: [403, 404, 422],
  })
  @Post('guilds/:gid/members/:id/block')
  @HttpCode(200)
  async block(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string, @Body() dto: BlockMemberDto) {
    const until = dto.until === undefined || dto.until === null ? null : new Date(dto.until);
    return presentMember(await this.members.block(caller, gid, id, dto.reason, until));
  }

  @ApiDoc({
    id: 'unblockMember',
    summary: 'Unblock a member',
    description: 'Owner only (API.md §12.4). Unblocking a member who is not blocked is answered with the Member, unchanged.',
    ok: { status: 200, type: Member, description: 'the member, `blocked: false`' },
    errors: [403, 404],
  })
  @Delete('guilds/:gid/members/:id/block')
  @HttpCode(200)
  async unblock(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string) {
    return presentMember(await this.members.unblock(caller, gid, id));
  }

  @ApiDoc({
    id: 'findMember',
    summary: 'Find a member by email',
    description: 'Owner only.',
    ok: { status: 200, type: Member, description: 'the member' },
    errors: [403, 404, 422],
  })
  @Get('guilds/:gid/members/find')
  async find(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: FindMemberQuery) {
    return presentMember(await this.members.find(caller, gid, q.email));
  }

  @ApiDoc({
    id: 'getGuildMember',
    summary: 'Get a member of a guild',
    description: 'Owner only.',
    ok: { status: 200, type: Member, description: 'the member' },
    errors: [403, 404],
  })
  @Get('guilds/:gid/members/:id')
  async getNested(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string) {
    return presentMember(await this.members.get(caller, id, gid));
  }

  @ApiDoc({
    id: 'getMember',
    summary: 'Get a member',
    description: 'Owner of its guild only.',
    ok: { status: 200, type: Member, description: 'the member' },
    errors: [403, 404],
  })
  @Get('members/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentMember(await this.members.get(caller, id));
  }

  @ApiDoc({
    id: 'removeGuildMember',
    summary: 'Remove a member from a guild',
    description: 'Owner only. Their work records and wallet stay; their live assignments go back to the pool.',
    ok: { status: 200, type: DeletedMember, description: 'removed' },
    errors: [403, 404],
  })
  @Delete('guilds/:gid/members/:id')
  @HttpCode(200)
  async removeNested(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string) {
    const m = await this.members.remove(caller, id, gid);
    return { object: 'Member' as const, id: wireId(m.id), deleted: true };
  }

  @ApiDoc({
    id: 'removeMember',
    summary: 'Remove a member',
    description: 'Owner of its guild only.',
    ok: { status: 200, type: DeletedMember, description: 'removed' },
    errors: [403, 404],
  })
  @Delete('members/:id')
  @HttpCode(200)
  async remove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const m = await this.members.remove(caller, id);
    return { object: 'Member' as const, id: wireId(m.id), deleted: true };
  }
}

@ApiTags('Invites')
@Controller('api')
export class InvitesController {
  constructor(private readonly invites: InvitesService) {}

  @ApiDoc({
    id: 'createInvite',
    summary: 'Invite someone to a guild',
    description: 'Owner only. The mail goes out from a background job; the status becomes `sent`.',
    body: true,
    ok: { status: 201, type: Invite, description: 'the invite, status `sending`' },
    errors: [403, 404, 409, 422],
  })
  @Post('guilds/:gid/invites')
  async create(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() dto: CreateInviteDto) {
    return presentInvite(await this.invites.create(caller, gid, dto.email));
  }

  @ApiDoc({
    id: 'listInvites',
    summary: "List a guild's invites",
    description: 'Owner only.',
    ok: { status: 200, type: InviteList, description: 'newest first' },
    errors: [403, 404, 422],
  })
  @Get('guilds/:gid/invites')
  async list(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/guilds/${gid}/invites`, page, await this.invites.list(caller, gid, page), (i) => presentInvite(i));
  }

  @ApiDoc({
    id: 'listMyInvites',
    summary: 'Invites addressed to the caller',
    ok: { status: 200, type: InviteList, description: 'pending invites, with `guild_name`' },
    errors: [422],
  })
  @Get('me/invites')
  async mine(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/me/invites', page, await this.invites.mine(caller, page), (r) => presentInvite(r.invite, r.guildName));
  }

  @ApiDoc({
    id: 'acceptInvite',
    summary: 'Accept an invite',
    description: 'By the invited email, or with the `token` of the mailed link.',
    ok: { status: 200, type: Member, description: 'the new membership' },
    errors: [404, 409, 422],
  })
  @Post('invites/:id/accept')
  @HttpCode(200)
  async accept(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: AcceptInviteQuery) {
    return presentMember(await this.invites.accept(caller, id, q.token));
  }

  @ApiDoc({
    id: 'revokeInvite',
    summary: 'Revoke an invite',
    description: 'Owner only.',
    ok: { status: 200, type: Invite, description: 'the invite, status `revoked`' },
    errors: [403, 404, 409],
  })
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
@Controller('api')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly tasks: TasksService,
  ) {}

  /** 201 when subscribed now, 200 when already subscribed. */
  @ApiDoc({
    id: 'subscribeToTask',
    summary: 'Subscribe to a task',
    description: 'A member asks for work from a task.',
    ok: [
      { status: 201, type: Subscription, description: 'subscribed now' },
      { status: 200, type: Subscription, description: 'already subscribed' },
    ],
    errors: [403, 404],
  })
  @Post('tasks/:id/subscriptions')
  async subscribe(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Res({ passthrough: true }) res: Response) {
    const { subscription, created } = await this.subscriptions.subscribe(caller, id);
    res.status(created ? 201 : 200);
    return presentSubscription(subscription);
  }

  @ApiDoc({
    id: 'unsubscribeFromTask',
    summary: 'Unsubscribe from a task',
    ok: { status: 200, type: DeletedSubscription, description: 'unsubscribed' },
    errors: [404],
  })
  @Delete('tasks/:id/subscriptions')
  @HttpCode(200)
  async unsubscribe(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const s = await this.subscriptions.unsubscribe(caller, id);
    return { ...presentSubscription(s), deleted: true };
  }

  @ApiDoc({
    id: 'listMyTasks',
    summary: "The caller's tasks",
    description: 'The tasks the caller is subscribed to, each with `open_work_count`.',
    versioned: true,
    ok: { status: 200, type: TaskList, description: 'the tasks' },
    errors: [422],
  })
  @Get('me/tasks')
  async myTasks(@CurrentCaller() caller: Caller, @Query() q: PageQuery, @WireVersion() version: ApiVersion) {
    const page = toPage(q);
    const rows = await this.subscriptions.myTasks(caller, page);
    const views = await this.tasks.views(rows.map((r) => r.task));
    const items = views.map((v, i) => ({ v, count: rows[i].openWorkCount }));
    return pageOf('/api/me/tasks', page, items, ({ v, count }) =>
      presentTask(v.task, v.workspace, v.connections, version, { open_work_count: count }, v.medianSeconds),
    );
  }
}
