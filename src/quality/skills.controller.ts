import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { WorkerSkillList } from './dto/quality.response';
import { SkillsService } from './skills.service';

@ApiTags('Quality')
@Controller('api')
export class SkillsController {
  constructor(private readonly skills: SkillsService) {}

  @ApiDoc({
    id: 'listTaskWorkers',
    summary: "The members' skills at a task",
    description:
      'Owner only. One WorkerSkill per member with answers at the task (control answers included), newest member first. `accuracy` is the estimate of §11.4; `qualified` is false while the member is still answering qualification gold and after failing it.',
    ok: { status: 200, type: WorkerSkillList, description: 'the members working at the task' },
    errors: [403, 404, 422],
  })
  @Get('tasks/:id/workers')
  async workers(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/tasks/${id}/workers`, page, await this.skills.workers(caller, id, page), (x) => x);
  }
}
