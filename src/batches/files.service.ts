import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { sha256 } from '../auth/credentials';
import { conflict, ErrorDetail, invalid, invalidField, notFound, unauthorized } from '../common/errors';
import { wireId, wireTime } from '../common/wire';
import { costOfBatch } from './batch-cost';
import { PipelineService } from '../tasks/pipeline.service';
import { inTransaction } from '../database/transaction';
import { GuildAccess } from '../guilds/guild-access.service';
import { appendDatum, insertFile, insertFileBlob } from './batches.repository';
import { BatchesService } from './batches.service';
import { checkKey, normalizeDatum } from './datum-input';
import { FILE_STORAGE, FileStorage } from './file-storage';
import { FileRow } from './rows';
import { sqlOne } from '../database/sql';

export interface UploadedFile {
  originalname: string;
  buffer: Buffer;
  size: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A file name safe to echo in a URL path and a Content-Disposition: no directories, no control characters. */
export function safeFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base
    // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are stripped
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 200);
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

export function fileUrl(id: string, name: string): string {
  return `/api/files/${id}/${encodeURIComponent(name)}`;
}

export function presentFile(f: FileRow) {
  return {
    object: 'File' as const,
    id: f.id,
    name: f.name,
    file_size: Number(f.file_size),
    checksum: f.checksum,
    duplicate: f.duplicate,
    url: fileUrl(f.id, f.name),
    datum_id: f.datum_id === null ? null : wireId(f.datum_id),
    created: wireTime(f.created),
  };
}

@Injectable()
export class FilesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    private readonly batches: BatchesService,
    private readonly guilds: GuildAccess,
    private readonly pipeline: PipelineService,
  ) {}

  /**
   * API.md §5.4: store the bytes once per owner and checksum, and add a datum whose `parameter`
   * holds the file's URL. Other text fields of the form become parameters of that datum too.
   */
  async upload(caller: Caller, batchId: string, file: UploadedFile | undefined, fields: Record<string, unknown>) {
    const batch = await this.batches.ownedBatch(caller, batchId);
    if (!file) throw invalidField('file', 'is required (multipart/form-data field "file")');
    const parameter = typeof fields.parameter === 'string' && fields.parameter !== '' ? fields.parameter : 'file_url';
    const details: ErrorDetail[] = [];
    if (!checkKey(parameter, 'parameter', details)) throw invalid(`parameter ${details[0].message}`, details);
    const guild = await this.guilds.ownedGuild(caller, batch.guild_id);
    const id = randomUUID();
    const name = safeFileName(file.originalname);
    const url = fileUrl(id, name);
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) if (k !== 'parameter' && k !== 'file') extra[k] = Array.isArray(v) ? v[v.length - 1] : v;
    const params = normalizeDatum({ ...extra, [parameter]: url }, 'datum', guild.inputParameters, details);
    if (!params) throw invalid(`${details[0].field} ${details[0].message}`, details);
    const checksum = createHash('sha256').update(file.buffer).digest('hex');
    const storageKey = `${caller.userId}/${checksum}`;

    const row = await inTransaction(this.ds, async (em) => {
      const b = await this.batches.lockBatch(em, caller, batchId);
      if (b.status !== 'unpaid') throw conflict(`Batch ${batchId} is ${b.status}; files can only be added while it is unpaid`);
      costOfBatch(b.data_count + 1, await this.pipeline.tasks(b.guild_id, em), 'file');
      const duplicate = !(await insertFileBlob(em, { ownerId: caller.userId, checksum, fileSize: file.size, storageKey }));
      // bytes first, row commit after: a crash leaves at worst unreferenced bytes, never a row without bytes
      const wrote = !duplicate || !(await this.storage.exists(storageKey));
      if (wrote) await this.storage.put(storageKey, file.buffer);
      try {
        const datumId = await appendDatum(em, batchId, params);
        return await insertFile(em, { id, ownerId: caller.userId, batchId, datumId, name, checksum, fileSize: file.size, duplicate });
      } catch (err) {
        // the rows roll back, so do the bytes this request wrote (issue 13: they were left behind).
        // Removed while this transaction still holds the file_blobs row: a concurrent upload of the
        // same bytes waits on that row and writes them again itself.
        if (!duplicate && wrote) await this.storage.remove(storageKey).catch(() => undefined);
        throw err;
      }
    });
    return presentFile(row!);
  }

  /**
   * The owner, or a worker holding a live assignment (claimed, lease not lapsed) on a datum that
   * references the file — identified by API key or by the assignment's submit token. Anyone
   * else: 404. No API key and no token at all: 401, like every other route (before any lookup, so
   * it says nothing about whether the file exists).
   */
  async open(caller: Caller | undefined, id: string, name: string, token: string | undefined): Promise<{ file: FileRow; stream: Readable }> {
    if (!caller && !token) throw unauthorized('Send your API key, or the token of your assignment');
    if (!UUID.test(id)) throw notFound('File', id);
    const f = await sqlOne<FileRow & { storage_key: string }>(
      this.ds.manager,
      'SELECT f.*, fb.storage_key FROM files f JOIN file_blobs fb ON fb.owner_id = f.owner_id AND fb.checksum = f.checksum WHERE f.id = $1',
      [id],
    );
    if (!f || f.name !== name) throw notFound('File', id);
    let allowed = caller !== undefined && caller.userId === f.owner_id;
    if (!allowed && f.datum_id !== null && (caller || token)) {
      const live = await sqlOne(
        this.ds.manager,
        `SELECT 1 FROM assignments a
          WHERE a.datum_id = $1 AND a.status = 'claimed' AND a.expires > now()
            AND (a.user_id = $2 OR a.token_hash = $3)
          LIMIT 1`,
        [f.datum_id, caller?.userId ?? null, token ? sha256(token) : null],
      );
      allowed = live !== undefined;
    }
    if (!allowed) throw notFound('File', id);
    const stream = await this.storage.open(f.storage_key);
    // the row says it exists but the store has no bytes (deleted by hand, another store configured)
    if (!stream) throw notFound('File', id);
    return { file: f, stream };
  }
}
