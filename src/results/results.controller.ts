import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiProduces, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { CursorPageQuery, toCursorPage } from '../common/pagination';
import { ProgressService } from './progress.service';
import { ExportFormat, ResultsService } from './results.service';

class ResultsQuery extends CursorPageQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv', 'jsonl'], description: 'csv or jsonl streams every result (also chosen by Accept: text/csv or application/x-ndjson)' })
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
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class ResultsController {
  constructor(
    private readonly service: ResultsService,
    private readonly progress: ProgressService,
  ) {}

  /** A List of Results (cursor-capable), or with format=csv|jsonl the whole batch streamed. */
  @Get('batches/:id/results')
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  async results(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: ResultsQuery, @Headers('accept') accept: string | undefined, @Res() res: Response) {
    const format = exportFormat(q.format, accept);
    if (format) return this.service.export(caller, id, format, q.answers === 'true', res);
    res.status(200).json(await this.service.list(caller, id, toCursorPage(q)));
  }

  /** Server-Sent Events: the snapshot, `progress` at most once a second, `completed` and the end. */
  @Get('batches/:id/events')
  @ApiProduces('text/event-stream')
  async events(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Headers('last-event-id') lastEventId: string | undefined, @Res() res: Response) {
    await this.progress.open(caller, id, lastEventId, res);
  }
}
