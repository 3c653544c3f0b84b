import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { CreateWorkspaceDto } from './dto/workspace.dto';
import { presentWorkspace } from './workspaces.presenter';
import { WorkspacesService } from './workspaces.service';

@ApiTags('Workspaces')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Post('workspaces')
  async create(@CurrentCaller() caller: Caller, @Body() dto: CreateWorkspaceDto) {
    return presentWorkspace(await this.workspaces.create(caller, dto));
  }

  @Get('workspaces')
  async list(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/workspaces', page, await this.workspaces.list(caller, page), presentWorkspace);
  }

  @Get('workspaces/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentWorkspace(await this.workspaces.get(caller, id));
  }
}
