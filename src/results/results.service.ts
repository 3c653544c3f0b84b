import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { stringify } from 'csv-stringify/sync';
import type { Response } from 'express';
import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { notFound } from '../common/errors';
import { CursorPage, pageOf, unknownCursor } from '../common/pagination';
import { sql, sqlOne } from '../database/sql';
import { LOGGER, Logger } from '../logging/logger';
import { ANSWER_COLUMNS, cellOf, headerOf, parameterCells, parameterColumns } from './csv-columns';
import { AnswerRow, presentAnswer, presentResult, ResultRow } from './result.presenter';
import { ANSWERS_STREAM_SQL, PARAMETER_KEYS_SQL, RESULT_EXISTS_SQL, RESULTS_CSV_SQL, RESULTS_PAGE_SQL, RESULTS_STREAM_SQL } from './result-sql';

export type ExportFormat = 'csv' | 'jsonl';

interface CsvRow {
  task_id: string;
  answer: string | null;
  confidence: number | null;
  answers_count: number;
  parameters: Record<string, unknown>;
}

/** Rows fetched from the server-side cursor per round trip. */
const FETCH_ROWS = 1000;

/**
 * Results of a batch (API.md §13.1) and their streaming exports (§13.2). An export reads a
 * server-side cursor (pg-query-stream) in chunks of FETCH_ROWS and writes through Node's stream
 * backpressure, so the server holds a chunk or two whatever the batch's size; a client that goes
 * away destroys the pipeline, which closes the cursor and ends the query.
 */
@Injectable()
export class ResultsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private async ownedBatch(caller: Caller, batchId: string): Promise<{ id: string; guild_id: string }> {
    const b = await sqlOne<{ id: string; guild_id: string }>(this.ds.manager, 'SELECT id, guild_id FROM batches WHERE id = $1 AND owner_id = $2', [
      batchId,
      caller.userId,
    ]);
    if (!b) throw notFound('Batch', batchId);
    return b;
  }

  async list(caller: Caller, batchId: string, page: CursorPage) {
    await this.ownedBatch(caller, batchId);
    if (page.after !== undefined && !(await sqlOne(this.ds.manager, RESULT_EXISTS_SQL, [batchId, page.after]))) throw unknownCursor(page.after);
    const rows = await sql<ResultRow>(this.ds.manager, RESULTS_PAGE_SQL, [batchId, page.after ?? null, page.limit + 1, page.offset]);
    return pageOf(`/api/batches/${batchId}/results`, page, rows, presentResult);
  }

  /** Every leaf path of the batch's data parameters, level by level (one aggregate query per nested level). */
  private async parameterPaths(batchId: string): Promise<string[][]> {
    const out: string[][] = [];
    let level: string[][] = [[]];
    for (let depth = 0; level.length && depth < MAX_DEPTH; depth++) {
      const next: string[][] = [];
      for (const path of level) {
        for (const k of await sql<{ key: string; nested: boolean; leaf: boolean }>(this.ds.manager, PARAMETER_KEYS_SQL, [batchId, path])) {
          if (k.leaf || depth === MAX_DEPTH - 1) out.push([...path, k.key]);
          if (k.nested) next.push([...path, k.key]);
        }
      }
      level = next;
    }
    return out;
  }

  /**
   * Streams the export to `res`. Checks run before anything is written (a 404 is an ordinary
   * error); after the headers are sent, an error can only cut the stream short.
   */
  async export(caller: Caller, batchId: string, format: ExportFormat, answers: boolean, res: Response): Promise<void> {
    const batch = await this.ownedBatch(caller, batchId);
    let text: string;
    let transform: Transform;
    if (answers) {
      text = ANSWERS_STREAM_SQL;
      transform =
        format === 'csv'
          ? csvRows([...ANSWER_COLUMNS], (a: AnswerRow) => [a.datum_id, a.task_id, a.member_id, cellOf(a.value), a.status, cellOf(a.seconds)])
          : jsonLines(presentAnswer);
    } else if (format === 'csv') {
      text = RESULTS_CSV_SQL;
      // first pass: the set of parameter keys, aggregated in PostgreSQL (flat memory)
      const [g] = await sql<{ input_parameters: string[] }>(this.ds.manager, 'SELECT input_parameters FROM guilds WHERE id = $1', [batch.guild_id]);
      const columns = parameterColumns(g?.input_parameters ?? [], await this.parameterPaths(batchId));
      transform = csvRows(headerOf(columns), (r: CsvRow) => [
        ...parameterCells(columns, r.parameters),
        String(r.task_id),
        cellOf(r.answer),
        cellOf(r.confidence),
        String(r.answers_count),
      ]);
    } else {
      text = RESULTS_STREAM_SQL;
      transform = jsonLines(presentResult);
    }

    const name = `batch-${batchId}-${answers ? 'answers' : 'results'}.${format}`;
    res.status(200);
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('Cache-Control', 'no-store');

    const pool = (this.ds.driver as unknown as { master: Pool }).master;
    const client: PoolClient = await pool.connect();
    const rows = new QueryStream(text, [batchId], { batchSize: FETCH_ROWS, highWaterMark: FETCH_ROWS });
    let failed: Error | undefined;
    try {
      await pipeline(client.query(rows), transform, res);
    } catch (err) {
      failed = err as Error;
      // the client went away (or the database failed)
      if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') this.logger.warn({ err, batchId }, 'results: export cut short');
      if (!res.destroyed) res.destroy();
    } finally {
      // After a cut the portal may still be open: the connection is discarded (its backend ends,
      // and with it the query) rather than handed back to the pool mid-protocol.
      client.release(failed);
    }
  }
}

/** The most levels of nested parameter objects walked for CSV columns; deeper objects become JSON text. */
const MAX_DEPTH = 8;

/**
 * Rows out of the cursor are written in chunks of about this many characters: one HTTP chunk
 * (and one socket write) per ~16 KiB instead of one per row. Not more: rows held for a bigger
 * chunk outlive V8's young-generation collections, and at 64 KiB the answers export of 1M rows
 * peaked at 237 MiB RSS instead of 152 MiB (garbage promoted to the old generation).
 */
const CHUNK_CHARS = 16 * 1024;

/**
 * A transform from object rows to text that hands on about CHUNK_CHARS at a time (and the rest at
 * the end): `prepare` turns a row into an item and its size in characters (near enough), `render`
 * the items collected so far into their text. Memory: one chunk in the making, one waiting.
 */
function chunked<R, I>(
  prepare: (row: R) => { item: I; size: number },
  render: (items: I[], first: boolean) => string,
  last?: (wroteAny: boolean) => string,
): Transform {
  let items: I[] = [];
  let size = 0;
  let first = true;
  const out = (t: Transform) => {
    if (!items.length) return;
    t.push(render(items, first));
    first = false;
    items = [];
    size = 0;
  };
  return new Transform({
    writableObjectMode: true,
    readableObjectMode: false,
    // one chunk of text waiting is enough: the cursor is not read ahead of the client
    readableHighWaterMark: CHUNK_CHARS,
    transform(row: R, _enc, done) {
      const p = prepare(row);
      items.push(p.item);
      size += p.size;
      if (size >= CHUNK_CHARS) out(this);
      done();
    },
    flush(done) {
      out(this);
      const tail = last?.(!first);
      if (tail) this.push(tail);
      done();
    },
  });
}

/**
 * Object rows → CSV, quoted by csv-stringify (the maintained writer; its sync API on each chunk
 * of rows gives the same text as its stream, without a stream stage per row). The header row
 * comes first, also when there is no row.
 */
function csvRows<R>(header: string[], cells: (row: R) => string[]): Transform {
  return chunked<R, string[]>(
    (row) => {
      const item = cells(row);
      let size = item.length;
      for (const c of item) size += c.length;
      return { item, size };
    },
    (rows, first) => stringify(rows, { header: first, columns: header, eof: true }),
    (wroteAny) => (wroteAny ? '' : stringify([], { header: true, columns: header, eof: true })),
  );
}

/** Object rows → one JSON document per line. */
function jsonLines<R>(present: (row: R) => unknown): Transform {
  return chunked<R, string>(
    (row) => {
      const item = `${JSON.stringify(present(row))}\n`;
      return { item, size: item.length };
    },
    (lines) => lines.join(''),
  );
}
