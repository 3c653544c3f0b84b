import { money, toCents } from '../common/money';
import { ApiVersion, nestedCollection, wireId, wireTime } from '../common/wire';
import { WebhookEntity } from '../webhooks/webhook.entities';
import { presentWebhook } from '../webhooks/webhook.presenter';
import { presentDatumWith } from './datum.presenter';
import { BatchRow, DatumRow } from './rows';

/** 100 * completed / count with one decimal, as a JSON number (0 for an empty batch). */
export function progressOf(completed: number, count: number): number {
  return count === 0 ? 0 : Math.round((1000 * completed) / count) / 10;
}

export interface BatchView {
  batch: BatchRow;
  /** fixed at pay time; data_count × price per datum while unpaid */
  costCents: number;
  /** paid out of the batch's escrow to members, and given back to the requester (API.md §11.1) */
  spentCents: number;
  refundedCents: number;
  data: DatumRow[];
  /** more data exist than `data` holds */
  dataHasMore: boolean;
  webhooks: WebhookEntity[];
}

export function presentBatch(v: BatchView, version: ApiVersion) {
  const b = v.batch;
  const dataUrl = `/api/batches/${wireId(b.id)}/data`;
  // data inserted together share their timestamps: render each distinct one once (this render only)
  const rendered = new Map<number, string>();
  const time = (t: Date | string): string => {
    if (!(t instanceof Date)) return wireTime(t);
    const ms = t.getTime();
    let out = rendered.get(ms);
    if (out === undefined) rendered.set(ms, (out = wireTime(t)));
    return out;
  };
  return {
    object: 'Batch' as const,
    id: wireId(b.id),
    guild_id: wireId(b.guild_id),
    data_count: b.data_count,
    data_completed_count: b.data_completed_count,
    progress: progressOf(b.data_completed_count, b.data_count),
    completed: b.status === 'completed',
    status: b.status,
    ...money('cost', v.costCents),
    ...money('spent', v.spentCents),
    ...money('refunded', v.refundedCents),
    ...money('gold', toCents(b.gold_cents ?? 0)),
    data: nestedCollection(
      version,
      dataUrl,
      v.data.map((d) => presentDatumWith(d, time)),
      v.dataHasMore,
    ),
    ...(v.dataHasMore ? { data_has_more: true, data_url: dataUrl } : {}),
    webhooks: nestedCollection(version, `/api/batches/${wireId(b.id)}/webhooks`, v.webhooks.map(presentWebhook)),
    created: wireTime(b.created),
    updated: wireTime(b.updated),
  };
}

/** The short answer of DELETE /api/batches/:id. */
export function presentCanceledBatch(b: BatchRow) {
  return { object: 'Batch' as const, id: wireId(b.id), canceled: true };
}
