import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { Idempotent } from '../common/idempotency';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { wireId, wireList } from '../common/wire';
import { CreateGoldDto } from './dto/gold.dto';
import { presentGold } from './gold.presenter';
import { GoldService } from './gold.service';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { DeletedGold, GoldList } from './dto/quality.response';

@ApiTags('Quality')
@Controller('api')
export class GoldController {
  constructor(private readonly gold: GoldService) {}

  /** 201 with a List of the created Gold objects, in the order sent. */
  @ApiDoc({
    id: 'createGold',
    summary: 'Add control answers (gold) to a task',
    description: "Owner only. 1 to 1,000 items; parameters follow the guild's input_parameters, `answer` is one of the task's labels. All or nothing.",
    body: true,
    idempotent: true,
    ok: { status: 201, type: GoldList, description: 'the created items, in the order sent' },
    errors: [403, 404, 422],
  })
  @Post('tasks/:id/gold')
  @Idempotent()
  async create(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: CreateGoldDto) {
    const { task, items } = await this.gold.create(caller, id, dto.data);
    return wireList(`/api/tasks/${wireId(task.id)}/gold`, items.map(presentGold), 1, false);
  }

  /** Newest first (API.md §11.6 "Orders"). */
  @ApiDoc({
    id: 'listGold',
    summary: "List a task's control answers",
    description: 'Owner only; newest first.',
    ok: { status: 200, type: GoldList, description: 'the gold items' },
    errors: [403, 404, 422],
  })
  @Get('tasks/:id/gold')
  async list(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/tasks/${id}/gold`, page, await this.gold.list(caller, id, page), presentGold);
  }

  @ApiDoc({
    id: 'deleteGold',
    summary: 'Delete a control answer',
    description: 'Owner only.',
    ok: { status: 200, type: DeletedGold, description: 'deleted' },
    errors: [403, 404],
  })
  @Delete('gold/:id')
  @HttpCode(200)
  async remove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const item = await this.gold.delete(caller, id);
    return { object: 'Gold' as const, id: wireId(item.id), deleted: true };
  }
}
