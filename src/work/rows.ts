export interface WorkItemRow {
  id: string;
  batch_id: string;
  datum_id: string;
  task_id: string;
  status: 'waiting' | 'open' | 'claimed' | 'done' | 'canceled';
  waiting_for: number;
  reward_cents: string;
  canceled: boolean;
  assignment_id: string | null;
  lease_expires_at: Date | null;
}

export interface AssignmentRow {
  id: string;
  work_item_id: string;
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
