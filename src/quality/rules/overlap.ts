import { Aggregate, confident } from '../aggregation/majority';

/**
 * The adaptive-overlap rule of API.md §11.1: after each approved answer, the task is done with
 * the datum when it has at least `min` answers and either the aggregate is confident enough
 * (never on a tie) or it has `max` answers; otherwise one more slot opens.
 */
export function doneWithDatum(overlap: { min: number; max: number; confidence: number }, approvedAnswers: number, aggregate: Aggregate): boolean {
  if (approvedAnswers < overlap.min) return false;
  return approvedAnswers >= overlap.max || confident(aggregate, overlap.confidence);
}
