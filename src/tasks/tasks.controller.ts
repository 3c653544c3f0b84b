import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, WireVersion } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { ApiVersion, wireId, wireList } from '../common/wire';
import { CreateConnectionDto, CreateTaskDto, UpdateTaskDto } from './dto/task.dto';
import { presentConnection, presentTask } from './tasks.presenter';
import { TasksService, TaskView } from './tasks.service';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { Connection, ConnectionList, DeletedConnection, Task, TaskList } from './dto/task.response';

const present = (version: ApiVersion) => (v: TaskView) => presentTask(v.task, v.workspace, v.connections, version, {}, v.medianSeconds);

@ApiTags('Tasks')
@Controller('api')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @ApiDoc({
    id: 'createTask',
    summary: 'Create a task in a guild',
    description: 'Owner only. `minimum_amount_cents` is what one datum costs at this task and what the worker earns.',
    body: true,
    versioned: true,
    ok: { status: 201, type: Task, description: 'the new task' },
    errors: [403, 404, 422],
  })
  @Post('guilds/:gid/tasks')
  async create(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() dto: CreateTaskDto, @WireVersion() version: ApiVersion) {
    const task = await this.tasks.create(caller, gid, dto);
    return present(version)(await this.tasks.view(task));
  }

  @ApiDoc({
    id: 'listTasks',
    summary: "List a guild's tasks",
    description: 'For the owner and members.',
    versioned: true,
    ok: { status: 200, type: TaskList, description: 'the tasks' },
    errors: [404, 422],
  })
  @Get('guilds/:gid/tasks')
  async list(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: PageQuery, @WireVersion() version: ApiVersion) {
    const page = toPage(q);
    const rows = await this.tasks.list(caller, gid, page);
    return pageOf(`/api/guilds/${gid}/tasks`, page, await this.tasks.views(rows), present(version));
  }

  @ApiDoc({ id: 'getGuildTask', summary: 'Get a task of a guild', versioned: true, ok: { status: 200, type: Task, description: 'the task' }, errors: [404] })
  @Get('guilds/:gid/tasks/:id')
  async getNested(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    const { task } = await this.tasks.get(caller, id, gid);
    return present(version)(await this.tasks.view(task));
  }

  @ApiDoc({ id: 'getTask', summary: 'Get a task', versioned: true, ok: { status: 200, type: Task, description: 'the task' }, errors: [404] })
  @Get('tasks/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    const { task } = await this.tasks.get(caller, id);
    return present(version)(await this.tasks.view(task));
  }

  @ApiDoc({
    id: 'updateTask',
    summary: 'Update a task',
    description: 'Owner only; `workspace_id: null` removes the workspace.',
    body: true,
    versioned: true,
    ok: { status: 200, type: Task, description: 'the updated task' },
    errors: [403, 404, 422],
  })
  @Patch('tasks/:id')
  async update(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: UpdateTaskDto, @WireVersion() version: ApiVersion) {
    const task = await this.tasks.update(caller, id, dto);
    return present(version)(await this.tasks.view(task));
  }

  /** The url of Task.connections under OpenGuilds-Version 2018-12-18. */
  @ApiDoc({
    id: 'listTaskConnections',
    summary: "List a task's connections",
    description: 'The url of Task.connections under OpenGuilds-Version 2018-12-18.',
    versioned: true,
    ok: { status: 200, type: ConnectionList, description: 'inbound and outbound connections' },
    errors: [404],
  })
  @Get('tasks/:id/connections')
  async connections(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    const { task } = await this.tasks.get(caller, id);
    const view = await this.tasks.view(task);
    return wireList(
      `/api/tasks/${wireId(task.id)}/connections`,
      view.connections.map((c) => presentConnection(c, version)),
      1,
      false,
    );
  }

  @ApiDoc({
    id: 'createConnection',
    summary: 'Connect two tasks',
    description: 'Owner only. Both tasks in the guild; a cycle is a 422. A datum submitted at `source` moves on to `target`.',
    body: true,
    versioned: true,
    ok: { status: 201, type: Connection, description: 'the new connection' },
    errors: [403, 404, 409, 422],
  })
  @Post('guilds/:gid/connections')
  async connect(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() dto: CreateConnectionDto, @WireVersion() version: ApiVersion) {
    return presentConnection(await this.tasks.connect(caller, gid, dto), version);
  }

  @ApiDoc({
    id: 'deleteConnection',
    summary: 'Delete a connection',
    description: 'Owner only.',
    ok: { status: 200, type: DeletedConnection, description: 'deleted' },
    errors: [403, 404],
  })
  @Delete('connections/:id')
  @HttpCode(200)
  async disconnect(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const conn = await this.tasks.disconnect(caller, id);
    return { object: 'Connection' as const, id: wireId(conn.id), deleted: true };
  }
}
