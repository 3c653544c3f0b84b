import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, CurrentCaller, WireVersion } from '../auth/caller';
import { IdParam } from '../common/ids';
import { CursorPageQuery, toCursorPage, toPage } from '../common/pagination';
import type { ApiVersion } from '../common/wire';
import { Idempotent } from '../common/idempotency';
import { presentTransaction } from '../transactions/transaction.presenter';
import { BatchesService } from './batches.service';
import { BatchListQuery, DataListQuery } from './dto/batch-queries';

@ApiTags('Batches')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  /** Body: {batch: {data: [...], webhooks: [...]}} or the Rails nested-attributes form (checked by hand: up to 100,000 data). */
  @Post('guilds/:gid/batches')
  create(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() body: Record<string, unknown>, @WireVersion() version: ApiVersion) {
    return this.batches.create(caller, gid, body, version);
  }

  @Get('batches')
  list(@CurrentCaller() caller: Caller, @Query() q: BatchListQuery, @WireVersion() version: ApiVersion) {
    return this.batches.list(caller, toPage(q), q.status, version);
  }

  @Get('batches/:id')
  get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    return this.batches.get(caller, id, version);
  }

  @Delete('batches/:id')
  @HttpCode(200)
  cancel(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.batches.cancel(caller, id);
  }

  @Post('batches/:id/debits')
  @Idempotent()
  async pay(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentTransaction(await this.batches.pay(caller, id));
  }

  @Get('batches/:id/data')
  listData(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: DataListQuery) {
    return this.batches.listData(caller, id, toCursorPage(q), q.status);
  }

  @Post('batches/:id/data')
  async addData(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() body: Record<string, unknown>, @Res({ passthrough: true }) res: Response) {
    const out = await this.batches.addData(caller, id, body ?? {});
    res.status(out.status);
    return out.body;
  }

  @Get('data/:id')
  getDatum(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.batches.getDatum(caller, id);
  }

  @Delete('data/:id')
  @HttpCode(200)
  deleteDatum(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.batches.deleteDatum(caller, id);
  }

  @Get('data/:id/history')
  history(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: CursorPageQuery) {
    return this.batches.history(caller, id, toCursorPage(q));
  }
}
