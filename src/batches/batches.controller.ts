import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, CurrentCaller, WireVersion } from '../auth/caller';
import { IdParam } from '../common/ids';
import { CursorPageQuery, toCursorPage, toPage } from '../common/pagination';
import type { ApiVersion } from '../common/wire';
import { Idempotent } from '../common/idempotency';
import { presentTransaction } from '../ledger/transaction.presenter';
import { BatchesService } from './batches.service';
import { CancelBatch } from './cancel-batch.usecase';
import { PayBatch } from './pay-batch.usecase';
import { BatchListQuery, DataListQuery } from './dto/batch-queries';
import { ApiBody, ApiExtraModels, getSchemaPath } from '@nestjs/swagger';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { Transaction } from '../ledger/dto/money.response';
import { AddDataBody, CreateBatchBody } from './dto/batch.request';
import { Batch, BatchList, CanceledBatch, Datum, DatumHistory, DatumList, DeletedDatum } from './dto/batch.response';

@ApiTags('Batches')
@Controller('api')
export class BatchesController {
  constructor(
    private readonly batches: BatchesService,
    private readonly payBatch: PayBatch,
    private readonly cancelBatch: CancelBatch,
  ) {}

  /** Body: {batch: {data: [...], webhooks: [...]}} or the Rails nested-attributes form (checked by hand: up to 100,000 data). */
  @ApiDoc({
    id: 'createBatch',
    summary: 'Create a batch',
    description:
      "Guild owner only (alias `POST /api/guild/{gid}/batch`). All or nothing: on any error nothing is stored. Each datum must carry the guild's `input_parameters`; up to MAX_BATCH_DATA data (100,000 by default). Also takes the Rails nested-attributes form (`data_attributes`, `webhooks_attributes`).",
    body: true,
    versioned: true,
    ok: { status: 201, type: Batch, description: 'the new batch, status `unpaid`' },
    errors: [403, 404, 422],
  })
  @ApiBody({ type: CreateBatchBody })
  @Post('guilds/:gid/batches')
  create(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Body() body: Record<string, unknown>, @WireVersion() version: ApiVersion) {
    return this.batches.create(caller, gid, body, version);
  }

  @ApiDoc({
    id: 'listBatches',
    summary: "List the caller's batches",
    description: '`status=processing` lists the active ones.',
    versioned: true,
    ok: { status: 200, type: BatchList, description: 'newest first' },
    errors: [422],
  })
  @Get('batches')
  list(@CurrentCaller() caller: Caller, @Query() q: BatchListQuery, @WireVersion() version: ApiVersion) {
    return this.batches.list(caller, toPage(q), q.status, version);
  }

  @ApiDoc({
    id: 'getBatch',
    summary: 'Get a batch',
    description: 'Embeds at most the first 100 data; with more, `data_has_more` and `data_url` say where the rest is.',
    versioned: true,
    ok: { status: 200, type: Batch, description: 'the batch' },
    errors: [404],
  })
  @Get('batches/:id')
  get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    return this.batches.get(caller, id, version);
  }

  @ApiDoc({
    id: 'cancelBatch',
    summary: 'Cancel a batch',
    description:
      'The record stays (status `canceled`), its data lose their parameters; escrow for work nobody has claimed goes back to the wallet. A completed batch is a 409.',
    ok: { status: 200, type: CanceledBatch, description: 'canceled' },
    errors: [403, 404, 409],
  })
  @Delete('batches/:id')
  @HttpCode(200)
  cancel(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.cancelBatch.run(caller, id);
  }

  @ApiDoc({
    id: 'payBatch',
    summary: 'Pay for a batch (start it)',
    description:
      "Moves `cost_cents` from the wallet into the guild's escrow, charging the card for what the wallet lacks, and opens the work, in one transaction. A paid batch is a 409; no card or a declined card a 402, and nothing changes.",
    idempotent: true,
    ok: { status: 201, type: Transaction, description: 'the Guild Debit that moved the money' },
    errors: [402, 403, 404, 409, 422],
  })
  @Post('batches/:id/debits')
  @Idempotent()
  async pay(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentTransaction(await this.payBatch.run(caller, id));
  }

  @ApiDoc({
    id: 'listBatchData',
    summary: "List a batch's data",
    description: 'Oldest first.',
    ok: { status: 200, type: DatumList, description: 'the data' },
    errors: [404, 422],
  })
  @Get('batches/:id/data')
  listData(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: DataListQuery) {
    return this.batches.listData(caller, id, toCursorPage(q), q.status);
  }

  @ApiDoc({
    id: 'addBatchData',
    summary: 'Add data to an unpaid batch',
    description: 'The body is one datum\'s parameters (answered with the Datum), or `{"data": [...]}` for several (answered with a List).',
    body: true,
    ok: {
      status: 201,
      schema: { oneOf: [{ $ref: getSchemaPath(Datum) }, { $ref: getSchemaPath(DatumList) }] },
      description: 'the new datum, or a List of the new data',
    },
    errors: [403, 404, 409, 422],
  })
  @ApiExtraModels(Datum, DatumList, AddDataBody)
  @ApiBody({ schema: { anyOf: [{ $ref: getSchemaPath(AddDataBody) }, { type: 'object', additionalProperties: true, description: "one datum's parameters" }] } })
  @Post('batches/:id/data')
  async addData(
    @CurrentCaller() caller: Caller,
    @Param('id', IdParam) id: string,
    @Body() body: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const out = await this.batches.addData(caller, id, body ?? {});
    res.status(out.status);
    return out.body;
  }

  @ApiDoc({ id: 'getDatum', summary: 'Get a datum', ok: { status: 200, type: Datum, description: 'the datum' }, errors: [404] })
  @Get('data/:id')
  getDatum(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.batches.getDatum(caller, id);
  }

  @ApiDoc({
    id: 'deleteDatum',
    summary: 'Delete a datum of an unpaid batch',
    ok: { status: 200, type: DeletedDatum, description: 'deleted' },
    errors: [403, 404, 409],
  })
  @Delete('data/:id')
  @HttpCode(200)
  deleteDatum(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return this.batches.deleteDatum(caller, id);
  }

  @ApiDoc({
    id: 'getDatumHistory',
    summary: 'The submissions that shaped a datum',
    description: 'Oldest first.',
    ok: { status: 200, type: DatumHistory, description: 'what each submission added' },
    errors: [404, 422],
  })
  @Get('data/:id/history')
  history(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: CursorPageQuery) {
    return this.batches.history(caller, id, toCursorPage(q));
  }
}
