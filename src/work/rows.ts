export interface WorkItemRow {
  id: string;
  /** NULL for a served gold item (isGoldWork): gold belongs to no batch's data */
  batch_id: string;
  datum_id: string;
  task_id: string;
  status: 'waiting' | 'open' | 'claimed' | 'collecting' | 'done' | 'canceled';
  waiting_for: number;
  reward_cents: string;
  canceled: boolean;
  assignment_id: string | null;
  lease_expires_at: Date | null;
  /** overlap.min at a task with overlap (the work item collects answers on slots); null: §7 */
  min_answers: number | null;
  reserved_answers: number;
  approved_answers: number;
}

export interface AssignmentRow {
  id: string;
  work_item_id: string;
  /** the answer slot it holds (§11.1); null for a claim of a whole work item (§7) */
  slot_id: string | null;
  member_id: string;
  user_id: string;
  task_id: string;
  datum_id: string;
  status: 'claimed' | 'submitted' | 'released' | 'expired';
  token_hash: Buffer;
  reward_cents: string;
  expires: Date;
  submitted_at: Date | null;
  created: Date;
  updated: Date;
}

/** An assignment with what its wire shape needs. */
export interface AssignmentView extends AssignmentRow {
  parameters: Record<string, unknown>;
  preview: string | null;
  /** the lease has passed (computed by the database clock) */
  lapsed: boolean;
}

/** A served gold item's work (API.md §11.2): its work item has no batch (quality's gold_servings says which batch pays it). */
export function isGoldWork(w: WorkItemRow): boolean {
  return (w.batch_id as string | null) === null;
}
