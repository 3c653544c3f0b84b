import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { CursorPageQuery, toCursorPage } from '../common/pagination';
import { ProgressService } from './progress.service';
import { ExportFormat, ResultsService } from './results.service';
import { ApiExtraModels, getSchemaPath } from '@nestjs/swagger';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { BatchProgress, ResultList } from './dto/result.response';

class ResultsQuery extends CursorPageQuery {
  @ApiPropertyOptional({
    enum: ['json', 'csv', 'jsonl'],
    description: 'csv or jsonl streams every result (also chosen by Accept: text/csv or application/x-ndjson)',
  })
  @IsOptional()
  @IsIn(['json', 'csv', 'jsonl'])
  format?: 'json' | 'csv' | 'jsonl';

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'exports only: one row per answer' })
  @IsOptional()
  @IsIn(['true', 'false'])
  answers?: 'true' | 'false';
}

/** The export format asked for: `format=` wins; else an Accept that prefers CSV or JSON Lines to JSON. */
function exportFormat(format: ResultsQuery['format'], accept: string | undefined): ExportFormat | undefined {
  if (format) return format === 'json' ? undefined : format;
  const a = (accept ?? '').toLowerCase();
  if (/\bapplication\/json\b/.test(a)) return undefined;
  if (/\btext\/csv\b/.test(a)) return 'csv';
  if (/\bapplication\/(x-ndjson|jsonl|x-jsonlines)\b/.test(a)) return 'jsonl';
  return undefined;
}

@ApiTags('Results')
@Controller('api')
export class ResultsController {
  constructor(
    private readonly service: ResultsService,
    private readonly progress: ProgressService,
  ) {}

  /** A List of Results (cursor-capable), or with format=csv|jsonl the whole batch streamed. */
  @ApiDoc({
    id: 'listBatchResults',
    summary: "A batch's results, or an export of them",
    description:
      'Owner only. A List of Results by ascending id (cursor: `starting_after`, not with `page`). With `format=csv` or `format=jsonl` (or `Accept: text/csv` / `application/x-ndjson`) every result of the batch is streamed: CSV with a header row (the flattened parameters, then task_id, answer, confidence, answers_count) or one Result per line; `answers=true` streams one row per answer instead.',
    ok: {
      status: 200,
      content: { 'application/json': { $ref: getSchemaPath(ResultList) }, 'text/csv': { type: 'string' }, 'application/x-ndjson': { type: 'string' } },
      description: 'the results',
    },
    errors: [404, 422],
  })
  @ApiExtraModels(ResultList)
  @Get('batches/:id/results')
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  async results(
    @CurrentCaller() caller: Caller,
    @Param('id', IdParam) id: string,
    @Query() q: ResultsQuery,
    @Headers('accept') accept: string | undefined,
    @Res() res: Response,
  ) {
    const format = exportFormat(q.format, accept);
    if (format) return this.service.export(caller, id, format, q.answers === 'true', res);
    res.status(200).json(await this.service.list(caller, id, toCursorPage(q)));
  }

  /** Server-Sent Events: the snapshot, `progress` at most once a second, `completed` and the end. */
  @ApiDoc({
    id: 'streamBatchEvents',
    summary: "A batch's live progress (Server-Sent Events)",
    description:
      'Owner only; send the API key header (read it with fetch, not EventSource). The first event is the current snapshot; then `progress` (data: a BatchProgress) at most once a second while anything changes, and `completed` at the end, then the stream closes. Event ids increase per batch; reconnect with `Last-Event-ID`.',
    ok: {
      status: 200,
      mediaType: 'text/event-stream',
      schema: { type: 'string', description: `events whose data is a BatchProgress (${getSchemaPath(BatchProgress)})` },
      description: 'the event stream',
    },
    errors: [404],
  })
  @ApiExtraModels(BatchProgress)
  @Get('batches/:id/events')
  @ApiProduces('text/event-stream')
  async events(
    @CurrentCaller() caller: Caller,
    @Param('id', IdParam) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ) {
    await this.progress.open(caller, id, lastEventId, res);
  }
}
