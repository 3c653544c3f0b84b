/** Rows as PostgreSQL returns them (bigint → string, int → number, timestamptz → Date). */
export type BatchStatus = 'unpaid' | 'processing' | 'completed' | 'canceled';
export type DatumStatus = 'unpaid' | 'processing' | 'completed' | 'canceled';
export const BATCH_STATUSES: BatchStatus[] = ['unpaid', 'processing', 'completed', 'canceled'];
export const DATUM_STATUSES: DatumStatus[] = ['unpaid', 'processing', 'completed', 'canceled'];

export interface BatchRow {
  id: string;
  guild_id: string;
  owner_id: string;
  status: BatchStatus;
  data_count: number;
  data_completed_count: number;
  cost_cents: string | null;
  /** the control-answer share of cost_cents (§11.2), fixed at pay */
  gold_cents: string;
  shard_count: number;
  paid_at: Date | null;
  completed_at: Date | null;
  canceled_at: Date | null;
  created: Date;
  updated: Date;
}

export interface DatumRow {
  id: string;
  batch_id: string;
  status: DatumStatus;
  parameters: Record<string, unknown>;
  open_work_count: number;
  created: Date;
  updated: Date;
}

export interface SubmissionRow {
  id: string;
  assignment_id: string;
  datum_id: string;
  task_id: string;
  member_id: string;
  parameters: Record<string, unknown>;
  created: Date;
}

export interface FileRow {
  id: string;
  owner_id: string;
  batch_id: string;
  datum_id: string | null;
  name: string;
  checksum: string;
  file_size: string;
  duplicate: boolean;
  created: Date;
}
