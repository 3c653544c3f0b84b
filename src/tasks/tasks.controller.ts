import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, WireVersion } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { ApiVersion, wireId, wireList } from '../common/wire';
import { CreateConnectionDto, CreateTaskDto, UpdateTaskDto } from './dto/task.dto';
import { presentConnection, presentTask } from './tasks.presenter';
import { TasksService, TaskView } from './tasks.service';

const present = (version: ApiVersion) => (v: TaskView) => presentTask(v.task, v.workspace, v.connections, version);

@ApiTags('Tasks')
@ApiBasicAuth()
@ApiBearerAuth()
@ApiHeader({ name: 'OpenGuilds-Version', required: false, description: '2018-12-18: connections as a List with source_id/target_id' })
@Controller('api')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post('guilds/:gid/tasks')
  async create(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() dto: CreateTaskDto, @WireVersion() version: ApiVersion) {
    const task = await this.tasks.create(caller, gid, dto);
    return present(version)(await this.tasks.view(task));
  }

  @Get('guilds/:gid/tasks')
  async list(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: PageQuery, @WireVersion() version: ApiVersion) {
    const page = toPage(q);
    const rows = await this.tasks.list(caller, gid, page);
    return pageOf(`/api/guilds/${gid}/tasks`, page, await this.tasks.views(rows), present(version));
  }

  @Get('guilds/:gid/tasks/:id')
  async getNested(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    const { task } = await this.tasks.get(caller, id, gid);
    return present(version)(await this.tasks.view(task));
  }

  @Get('tasks/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    const { task } = await this.tasks.get(caller, id);
    return present(version)(await this.tasks.view(task));
  }

  @Patch('tasks/:id')
  async update(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: UpdateTaskDto, @WireVersion() version: ApiVersion) {
    const task = await this.tasks.update(caller, id, dto);
    return present(version)(await this.tasks.view(task));
  }

  /** The url of Task.connections under OpenGuilds-Version 2018-12-18. */
  @Get('tasks/:id/connections')
  async connections(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    const { task } = await this.tasks.get(caller, id);
    const view = await this.tasks.view(task);
    return wireList(`/api/tasks/${wireId(task.id)}/connections`, view.connections.map((c) => presentConnection(c, version)), 1, false);
  }

  @Post('guilds/:gid/connections')
  async connect(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() dto: CreateConnectionDto, @WireVersion() version: ApiVersion) {
    return presentConnection(await this.tasks.connect(caller, gid, dto), version);
  }

  @Delete('connections/:id')
  @HttpCode(200)
  async disconnect(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const conn = await this.tasks.disconnect(caller, id);
    return { object: 'Connection' as const, id: wireId(conn.id), deleted: true };
  }
}
