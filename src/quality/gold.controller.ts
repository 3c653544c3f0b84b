import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { Idempotent } from '../common/idempotency';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { wireId, wireList } from '../common/wire';
import { CreateGoldDto } from './dto/gold.dto';
import { presentGold } from './gold.presenter';
import { GoldService } from './gold.service';

@ApiTags('Quality')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class GoldController {
  constructor(private readonly gold: GoldService) {}

  /** 201 with a List of the created Gold objects, in the order sent. */
  @Post('tasks/:id/gold')
  @Idempotent()
  async create(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: CreateGoldDto) {
    const { task, items } = await this.gold.create(caller, id, dto.data);
    return wireList(`/api/tasks/${wireId(task.id)}/gold`, items.map(presentGold), 1, false);
  }

  /** Newest first (API.md §11.6 "Orders"). */
  @Get('tasks/:id/gold')
  async list(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/tasks/${id}/gold`, page, await this.gold.list(caller, id, page), presentGold);
  }

  @Delete('gold/:id')
  @HttpCode(200)
  async remove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const item = await this.gold.delete(caller, id);
    return { object: 'Gold' as const, id: wireId(item.id), deleted: true };
  }
}
