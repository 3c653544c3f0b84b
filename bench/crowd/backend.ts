/**
 * What the crowd simulation talks to. Today `ModelBackend` (model-backend.ts) implements it in
 * memory on top of src/quality's pure model; `HttpBackend` (http-backend.ts) does the
 * same through the API (POST task with `quality`, POST gold, POST batch + debits, POST claims /
 * submit as each member, GET results and the Batch's money fields). Everything is async and keyed
 * by what the API shows (assignment ids, datum parameters), so the harness (crowd.ts) does not
 * change when the backend does.
 */

export interface QualityConfig {
  labels: string[];
  overlap: { min: number; max: number; confidence: number };
  aggregation: 'majority' | 'dawid_skene';
  gold_rate: number;
  qualification: { gold: number; min_accuracy: number };
  min_quality: number | null;
}

export interface CrowdSetup {
  quality: QualityConfig;
  rewardCents: number;
  /** parameters of each real datum; the crowd knows their truth by `parameters.item` */
  data: Array<Record<string, string>>;
  gold: Array<{ parameters: Record<string, string>; answer: string }>;
  /** member indices 0..members-1 */
  members: number;
}

export type ClaimOutcome =
  | { kind: 'work'; assignmentId: string; parameters: Record<string, string> }
  /** 204: nothing open for this member right now */
  | { kind: 'none' }
  /** 403 with the contract's message */
  | { kind: 'refused'; message: string };

export interface DatumOutcome {
  parameters: Record<string, string>;
  /** the aggregate at the datum's completion (§11.5: the final values are those at completion) */
  label: string | null;
  confidence: number | null;
  answers: number;
}

export interface MoneyOutcome {
  reservedCents: number;
  goldCents: number;
  spentCents: number;
  refundedCents: number;
}

export interface CrowdBackend {
  setup(s: CrowdSetup): Promise<void>;
  claim(member: number): Promise<ClaimOutcome>;
  /** false when the answer came too late (410: the task is already done with the datum) */
  submit(member: number, assignmentId: string, answer: string): Promise<boolean>;
  /** every datum done (the batch is completed) */
  finished(): Promise<boolean>;
  results(): Promise<DatumOutcome[]>;
  money(): Promise<MoneyOutcome>;
}
