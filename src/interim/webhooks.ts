import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ErrorDetail, invalid } from '../common/errors';
import { wireId, wireTime } from '../common/wire';
import { sql } from '../batches/sql';

export interface WebhookSpec {
  destination: string;
  secret: string;
}

export interface WebhookRow {
  id: string;
  batch_id: string;
  destination: string;
  created: Date;
  updated: Date;
}

/** INTERIM stand-in for src/webhooks/webhooks.service.ts (wip-webhooks): no SSRF checks, no delivery. */
@Injectable()
export class WebhooksService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  validateDestinations(specs: unknown, fieldPrefix: string): WebhookSpec[] {
    if (specs === undefined || specs === null) return [];
    if (!Array.isArray(specs)) throw invalid(`${fieldPrefix} must be an array`, [{ field: fieldPrefix, message: 'must be an array' }]);
    const details: ErrorDetail[] = [];
    const out: WebhookSpec[] = [];
    specs.forEach((s: { destination?: unknown; secret?: unknown }, i) => {
      const f = `${fieldPrefix}[${i}]`;
      let ok = true;
      if (typeof s?.destination !== 'string' || !/^https?:\/\/[^\s]+$/i.test(s.destination)) {
        details.push({ field: `${f}.destination`, message: 'must be an http(s) URL' });
        ok = false;
      }
      if (typeof s?.secret !== 'string' || s.secret.length === 0) {
        details.push({ field: `${f}.secret`, message: 'is required' });
        ok = false;
      }
      if (ok) out.push({ destination: s.destination as string, secret: s.secret as string });
    });
    if (details.length) throw invalid(`${details[0].field} ${details[0].message}`, details);
    return out;
  }

  async createForBatch(em: EntityManager, batchId: string, specs: WebhookSpec[]): Promise<WebhookRow[]> {
    const rows: WebhookRow[] = [];
    for (const s of specs) {
      rows.push(...(await sql<WebhookRow>(em, 'INSERT INTO webhooks (batch_id, destination, secret) VALUES ($1, $2, $3) RETURNING *', [batchId, s.destination, s.secret])));
    }
    return rows;
  }

  async listForBatch(batchId: string, em?: EntityManager): Promise<WebhookRow[]> {
    return sql<WebhookRow>(em ?? this.ds.manager, 'SELECT * FROM webhooks WHERE batch_id = $1 AND deleted_at IS NULL ORDER BY id', [batchId]);
  }

  async enqueueBatchCompleted(em: EntityManager, batchId: string, payload: string): Promise<void> {
    await sql(
      em,
      `INSERT INTO webhook_deliveries (webhook_id, event_id, payload, next_attempt_at)
       SELECT id, $2 || id, $3, now() FROM webhooks WHERE batch_id = $1 AND deleted_at IS NULL`,
      [batchId, `evt_${randomUUID()}_`, payload],
    );
  }
}

export function presentWebhook(w: WebhookRow) {
  return { object: 'Webhook' as const, id: wireId(w.id), destination: w.destination, created: wireTime(w.created), updated: wireTime(w.updated) };
}
