import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { types as pgTypes } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { conflict, invalidField, missingParam, notFound } from '../common/errors';
import { toCents } from '../common/money';
import { CursorPage, Page, pageOf, unknownCursor } from '../common/pagination';
import { ApiVersion, WireList } from '../common/wire';
import { APP_CONFIG, AppConfig } from '../config/config';
import { preparedRows } from '../database/prepared';
import { inTransaction } from '../database/transaction';
import { GuildAccess } from '../guilds/guild-access.service';
import { PipelineService } from '../tasks/pipeline.service';
import { WebhookEntity } from '../webhooks/webhook.entities';
import { WebhooksService } from '../webhooks/webhooks.service';
import { BatchView, presentBatch } from './batch.presenter';
import { normalizeData } from './datum-input';
import { presentDatum, presentSubmission } from './datum.presenter';
import { BatchRow, BatchStatus, DatumRow, DatumStatus, SubmissionRow } from './rows';
import { sql, sqlOne } from '../database/sql';
import { appendData, BATCH_MONEY_SQL, deleteDatumOfBatch, insertBatch, lockOwnedBatch, withShardProgress } from './batches.repository';
import { costOfBatch, UNPAID_COST_SQL } from './batch-cost';
import { TaskEntity } from '../tasks/task.entity';

/** How many data GET /api/batches/:id embeds (API.md §5.1). */
export const EMBEDDED_DATA = 100;

/**
 * The Batch as `view` reads it, in one statement: $1 batch id, $2 owner (NULL: no owner check),
 * $3 how many data (NULL: all). Data and webhooks come as JSON arrays of tuples; ids and
 * timestamps inside them are text (timestamptz_out of this session, parsed with pg's own
 * timestamptz parser below), so the rendered values are exactly those of the row-by-row reads.
 * The price is only summed while the batch is unpaid (cost_cents NULL), as costOf does.
 */
const BATCH_VIEW_SQL = `
  SELECT b.*,
         CASE WHEN b.cost_cents IS NULL THEN ${UNPAID_COST_SQL('b')} END AS unpaid_cost_cents,
         -- batch_id as a range, not '=': with '=' Postgres treats batch_id as constant, drops it from
         -- the sort keys and may walk data_pkey in id order filtering batch_id — measured 115,000 rows
         -- discarded per GET once one large batch made every batch look large (BENCHMARKS.md §5).
         -- As a range, ORDER BY batch_id, id is served by data_batch_idx (batch_id, id) directly.
         (SELECT coalesce(json_agg(json_build_array(d.id::text, d.status, d.parameters, d.open_work_count, d.created::text, d.updated::text) ORDER BY d.id), '[]')::text
            FROM (SELECT * FROM data WHERE batch_id >= b.id AND batch_id <= b.id ORDER BY batch_id, id LIMIT $3::bigint) d) AS data_json,
         (SELECT coalesce(json_agg(json_build_array(w.id::text, w.destination, w.created::text, w.updated::text, w.events) ORDER BY w.id), '[]')::text
            FROM webhooks w WHERE w.batch_id = b.id AND w.deleted_at IS NULL) AS webhooks_json,
         ${BATCH_MONEY_SQL('b.id')}
    FROM batches b
   WHERE b.id = $1 AND ($2::bigint IS NULL OR b.owner_id = $2::bigint)`;

type ShardSums = { spent_cents: string; refunded_cents: string; shard_data_completed: number; shards_updated: Date | null };
type BatchViewRow = BatchRow & ShardSums & { unpaid_cost_cents: string | null; data_json: string; webhooks_json: string };
type DatumTuple = [string, DatumStatus, Record<string, unknown>, number, string, string];
type WebhookTuple = [string, string, string, string, string[]];
/** pg's parser for timestamptz text (OID 1184): the same Date the driver makes of a timestamptz column. */
const parseTimestamptzText = pgTypes.getTypeParser(1184, 'text') as (text: string) => Date;

@Injectable()
export class BatchesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly guilds: GuildAccess,
    private readonly pipeline: PipelineService,
    private readonly webhooks: WebhooksService,
  ) {}

  // ------------------------------------------------------------------ create and add data

  async create(caller: Caller, guildId: string, body: Record<string, unknown>, version: ApiVersion) {
    const root = body?.batch;
    if (root === undefined || root === null || root === '' || (typeof root === 'object' && !Array.isArray(root) && Object.keys(root).length === 0)) {
      throw missingParam('batch');
    }
    if (typeof root !== 'object' || Array.isArray(root)) throw invalidField('batch', 'must be an object');
    const b = root as Record<string, unknown>;
    const guild = await this.guilds.ownedGuild(caller, guildId);
    const tasks = await this.pipeline.tasks(guildId);
    if (tasks.length === 0) throw invalidField('guild', `has no task; add a task to guild ${guildId} before sending it batches`);

    const dataField = 'data_attributes' in b && !('data' in b) ? 'data_attributes' : 'data';
    const data = normalizeData(b[dataField] ?? [], `batch.${dataField}`, guild.inputParameters, this.config.maxBatchData, { allowEmpty: true });
    costOfBatch(data.length, await this.pipeline.tasks(guildId), `batch.${dataField}`);
    const hookField = 'webhooks_attributes' in b && !('webhooks' in b) ? 'webhooks_attributes' : 'webhooks';
    const hookSpecs = b[hookField] ?? [];
    await this.webhooks.validateDestinations(hookSpecs as Array<{ destination: unknown; secret: unknown; events?: unknown }>, `batch.${hookField}`);
    // validated above: an array of {destination, secret, events?}
    const hooks = (hookSpecs as Array<{ destination: string; secret: string; events?: unknown }>).map(({ destination, secret, events }) => ({
      destination,
      secret,
      events,
    }));

    const id = await inTransaction(this.ds, async (em) => {
      const batch = await insertBatch(em, guildId, caller.userId);
      if (data.length) await appendData(em, batch.id, data);
      if (hooks.length) await this.webhooks.createForBatch(em, batch.id, hooks);
      return batch.id;
    });
    return this.get(caller, id, version);
  }

  /** POST /api/batches/:id/data: one datum's parameters, or {data: [...]}. */
  async addData(caller: Caller, batchId: string, body: Record<string, unknown>) {
    const batch = await this.ownedBatch(caller, batchId);
    const guild = await this.guilds.ownedGuild(caller, batch.guild_id);
    const many = Object.keys(body).length === 1 && 'data' in body && Array.isArray(body.data);
    const data = many
      ? normalizeData(body.data, 'data', guild.inputParameters, this.config.maxBatchData)
      : normalizeData([body], 'datum', guild.inputParameters, 1).map((d) => d);
    const rows = await inTransaction(this.ds, async (em) => {
      const locked = await this.lockBatch(em, caller, batchId);
      if (locked.status !== 'unpaid') throw conflict(`Batch ${batchId} is ${locked.status}; data can only be added while it is unpaid`);
      costOfBatch(locked.data_count + data.length, await this.pipeline.tasks(locked.guild_id, em), many ? 'data' : 'datum');
      const before = await sqlOne<{ m: string | null }>(em, 'SELECT max(id) AS m FROM data WHERE batch_id = $1', [batchId]);
      if (data.length) await appendData(em, batchId, data);
      return sql<DatumRow>(em, 'SELECT * FROM data WHERE batch_id >= $1 AND batch_id <= $1 AND id > $2 ORDER BY batch_id, id', [batchId, before?.m ?? 0]);
    });
    if (!many) return { status: 201, body: presentDatum(rows[0]) };
    return { status: 201, body: { object: 'List' as const, url: `/api/batches/${batchId}/data`, has_more: false, page: 1, data: rows.map(presentDatum) } };
  }

  async deleteDatum(caller: Caller, datumId: string) {
    const d = await this.ownedDatum(caller, datumId);
    await inTransaction(this.ds, async (em) => {
      const b = await this.lockBatch(em, caller, d.batch_id);
      if (b.status !== 'unpaid') throw conflict(`Batch ${b.id} is ${b.status}; data can only be deleted while it is unpaid`);
      if (!(await deleteDatumOfBatch(em, b.id, datumId))) throw notFound('Datum', datumId);
    });
    return { object: 'Datum' as const, id: String(datumId), deleted: true };
  }

  // ------------------------------------------------------------------ read

  async ownedBatch(caller: Caller, id: string, em: EntityManager = this.ds.manager): Promise<BatchRow> {
    const b = await sqlOne<BatchRow>(em, 'SELECT * FROM batches WHERE id = $1 AND owner_id = $2', [id, caller.userId]);
    if (!b) throw notFound('Batch', id);
    return b;
  }

  /** Lock order: the batch row first, then its data / work items, then ledger accounts. */
  async lockBatch(em: EntityManager, caller: Caller, id: string): Promise<BatchRow> {
    const b = await lockOwnedBatch(em, id, caller.userId);
    if (!b) throw notFound('Batch', id);
    return b;
  }

  async ownedDatum(caller: Caller, id: string): Promise<DatumRow> {
    const d = await sqlOne<DatumRow>(this.ds.manager, 'SELECT d.* FROM data d JOIN batches b ON b.id = d.batch_id WHERE d.id = $1 AND b.owner_id = $2', [
      id,
      caller.userId,
    ]);
    if (!d) throw notFound('Datum', id);
    return d;
  }

  /** Fixed at pay; while unpaid, what paying would reserve now (costOfBatch over the guild's tasks). */
  private async costOf(b: BatchRow, em: EntityManager, taskCache?: Map<string, TaskEntity[]>): Promise<number> {
    if (b.cost_cents !== null) return toCents(b.cost_cents);
    let tasks = taskCache?.get(b.guild_id);
    if (tasks === undefined) {
      tasks = await this.pipeline.tasks(b.guild_id, em);
      taskCache?.set(b.guild_id, tasks);
    }
    return costOfBatch(b.data_count, tasks).costCents;
  }

  /** The Batch as GET renders it; `allData` for the completion webhook's body. */
  async view(em: EntityManager, b: BatchRow, opts: { allData?: boolean; priceCache?: Map<string, TaskEntity[]> } = {}): Promise<BatchView> {
    const data = opts.allData
      ? await sql<DatumRow>(em, 'SELECT * FROM data WHERE batch_id >= $1 AND batch_id <= $1 ORDER BY batch_id, id', [b.id])
      : await sql<DatumRow>(em, 'SELECT * FROM data WHERE batch_id >= $1 AND batch_id <= $1 ORDER BY batch_id, id LIMIT $2', [b.id, EMBEDDED_DATA + 1]);
    const dataHasMore = !opts.allData && data.length > EMBEDDED_DATA;
    const [spent] = await sql<ShardSums>(em, `SELECT ${BATCH_MONEY_SQL('$1::bigint')}`, [b.id]);
    return {
      batch: withShardProgress(b, spent),
      costCents: await this.costOf(b, em, opts.priceCache),
      spentCents: toCents(spent.spent_cents),
      refundedCents: toCents(spent.refunded_cents),
      data: dataHasMore ? data.slice(0, EMBEDDED_DATA) : data,
      dataHasMore,
      webhooks: await this.webhooks.listForBatch(b.id, em),
    };
  }

  /**
   * GET /api/batches/:id in one round trip (BATCH_VIEW_SQL): the owner check, the batch, its first
   * 101 data, its webhooks and (while unpaid) the price. Renders exactly what `view` renders.
   */
  async get(caller: Caller, id: string, version: ApiVersion) {
    const v = await this.viewInOneStatement(undefined, id, caller.userId, EMBEDDED_DATA + 1);
    if (!v) throw notFound('Batch', id);
    return presentBatch(v, version);
  }

  /** The body of the batch.completed webhook: the Batch as GET renders it, with all its data. */
  async completedPayload(em: EntityManager, batchId: string): Promise<string> {
    const v = await this.viewInOneStatement(em, batchId, null, null);
    return JSON.stringify(presentBatch(v!, 'default'));
  }

  /** `view` in one statement (em: in that transaction); `owner` null = no owner check, `limit` null = all data. */
  private async viewInOneStatement(em: EntityManager | undefined, id: string, owner: string | null, limit: number | null): Promise<BatchView | undefined> {
    // em: inside that transaction; none: a prepared statement on the pool (GET, the hot read)
    const params = [id, owner, limit];
    const [r] = em ? await sql<BatchViewRow>(em, BATCH_VIEW_SQL, params) : await preparedRows<BatchViewRow>(this.ds, 'og_batch_view', BATCH_VIEW_SQL, params);
    if (!r) return undefined;
    const { unpaid_cost_cents, data_json, webhooks_json, spent_cents, refunded_cents, shard_data_completed, shards_updated, ...row } = r;
    const batch = withShardProgress(row, { shard_data_completed, shards_updated });
    // data inserted together share their timestamps' text: parse each distinct one once
    const parsed = new Map<string, Date>();
    const parseTimestamptz = (text: string): Date => {
      let d = parsed.get(text);
      if (d === undefined) parsed.set(text, (d = parseTimestamptzText(text)));
      return d;
    };
    const data = (JSON.parse(data_json) as DatumTuple[]).map(([did, status, parameters, openWork, created, updated]): DatumRow => ({
      id: did,
      batch_id: batch.id,
      status,
      parameters,
      open_work_count: openWork,
      created: parseTimestamptz(created),
      updated: parseTimestamptz(updated),
    }));
    const webhooks = (JSON.parse(webhooks_json) as WebhookTuple[]).map(
      ([wid, destination, created, updated, events]) =>
        ({
          id: wid,
          batchId: batch.id,
          destination,
          events,
          created: parseTimestamptz(created),
          updated: parseTimestamptz(updated),
          deletedAt: null,
        }) as WebhookEntity,
    );
    const dataHasMore = limit !== null && data.length > EMBEDDED_DATA;
    return {
      batch,
      costCents: toCents(batch.cost_cents ?? unpaid_cost_cents!),
      spentCents: toCents(spent_cents),
      refundedCents: toCents(refunded_cents),
      data: dataHasMore ? data.slice(0, EMBEDDED_DATA) : data,
      dataHasMore,
      webhooks,
    };
  }

  async list(caller: Caller, page: Page, status: BatchStatus | undefined, version: ApiVersion): Promise<WireList<unknown>> {
    const rows = await sql<BatchRow>(
      this.ds.manager,
      `SELECT * FROM batches WHERE owner_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY id DESC LIMIT $3 OFFSET $4`,
      [caller.userId, status ?? null, page.limit + 1, page.offset],
    );
    const cache = new Map<string, TaskEntity[]>();
    const views = await Promise.all(rows.slice(0, page.limit).map((b) => this.view(this.ds.manager, b, { priceCache: cache })));
    const url = '/api/batches';
    return pageOf(url, page, [...views, ...rows.slice(page.limit)] as BatchView[], (v) => presentBatch(v, version));
  }

  /** Data of a batch in the order they were sent (oldest first), continuing the 100 GET embeds. */
  async listData(caller: Caller, batchId: string, page: CursorPage, status: DatumStatus | undefined) {
    await this.ownedBatch(caller, batchId);
    if (page.after !== undefined) {
      // a cursor is any datum of the batch (a status filter may have moved it out of the list since)
      const known = await sqlOne(this.ds.manager, 'SELECT 1 FROM data WHERE id = $1 AND batch_id = $2', [page.after, batchId]);
      if (!known) throw unknownCursor(page.after);
    }
    const rows = await sql<DatumRow>(
      this.ds.manager,
      `SELECT * FROM data WHERE batch_id >= $1 AND batch_id <= $1 AND ($2::text IS NULL OR status = $2) AND ($5::bigint IS NULL OR id > $5)
        ORDER BY batch_id, id LIMIT $3 OFFSET $4`,
      [batchId, status ?? null, page.limit + 1, page.offset, page.after ?? null],
    );
    return pageOf(`/api/batches/${batchId}/data`, page, rows, presentDatum);
  }

  async getDatum(caller: Caller, id: string) {
    return presentDatum(await this.ownedDatum(caller, id));
  }

  async history(caller: Caller, datumId: string, page: CursorPage) {
    await this.ownedDatum(caller, datumId);
    if (page.after !== undefined && !(await sqlOne(this.ds.manager, 'SELECT 1 FROM submissions WHERE id = $1 AND datum_id = $2', [page.after, datumId])))
      throw unknownCursor(page.after);
    const rows = await sql<SubmissionRow>(
      this.ds.manager,
      'SELECT * FROM submissions WHERE datum_id = $1 AND ($4::bigint IS NULL OR id > $4) ORDER BY id LIMIT $2 OFFSET $3',
      [datumId, page.limit + 1, page.offset, page.after ?? null],
    );
    return pageOf(`/api/data/${datumId}/history`, page, rows, presentSubmission);
  }
}
