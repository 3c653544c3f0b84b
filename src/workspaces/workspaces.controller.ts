import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { CreateWorkspaceDto } from './dto/workspace.dto';
import { presentWorkspace } from './workspaces.presenter';
import { WorkspacesService } from './workspaces.service';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { Workspace, WorkspaceList } from './dto/workspace.response';

@ApiTags('Workspaces')
@Controller('api')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @ApiDoc({
    id: 'createWorkspace',
    summary: 'Create a workspace',
    description: 'The web page a worker opens to do one assignment. `preview` must be https (http only for loopback outside production).',
    body: true,
    ok: { status: 201, type: Workspace, description: 'the new workspace' },
    errors: [422],
  })
  @Post('workspaces')
  async create(@CurrentCaller() caller: Caller, @Body() dto: CreateWorkspaceDto) {
    return presentWorkspace(await this.workspaces.create(caller, dto));
  }

  @ApiDoc({
    id: 'listWorkspaces',
    summary: 'List workspaces',
    description: "The caller's workspaces and every open one.",
    ok: { status: 200, type: WorkspaceList, description: 'newest first' },
    errors: [422],
  })
  @Get('workspaces')
  async list(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/workspaces', page, await this.workspaces.list(caller, page), presentWorkspace);
  }

  @ApiDoc({ id: 'getWorkspace', summary: 'Get a workspace', ok: { status: 200, type: Workspace, description: 'the workspace' }, errors: [404] })
  @Get('workspaces/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentWorkspace(await this.workspaces.get(caller, id));
  }
}
