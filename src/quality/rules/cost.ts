/**
 * Reservation and refund arithmetic of API.md §11.1 / §11.6, in integer cents.
 *
 *   cost_cents = Σ over tasks (data × overlap.max × reward) + gold_cents
 *   gold_cents = ceil(gold_rate × that sum)
 *
 * gold_rate is a per-task setting, so "that sum" is taken per task: gold_cents = Σ over tasks
 * ceil(rate_t × data × max_t × reward_t); with one task (or one rate) it is the contract's formula
 * exactly. Rates are held as integer parts per million and every product is a BigInt, so no
 * float ever touches a cent (0.1 × 30 is 3.0000000000000004 in floating point, whose ceil is 4).
 */

export const PPM = 1_000_000;

/** A rate such as gold_rate (0…1, at most six decimals) as integer parts per million. */
export function rateToPpm(rate: number): number {
  const ppm = Math.round(rate * PPM);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1 || Math.abs(rate * PPM - ppm) > 1e-6) {
    throw new RangeError(`rate ${rate} is not a number between 0 and 1 with at most six decimals`);
  }
  return ppm;
}

export function ppmToRate(ppm: number): number {
  return ppm / PPM;
}

/** ceil(a × ppm / 1,000,000) for non-negative integers, exactly. */
export function ceilPpm(amount: bigint, ppm: number): bigint {
  const p = amount * BigInt(ppm);
  const q = p / BigInt(PPM);
  return q * BigInt(PPM) === p ? q : q + 1n;
}

export interface TaskReservation {
  /** minimum_amount_cents of the task: what one answer earns */
  rewardCents: number;
  /** overlap.max (1 for a task without a quality object) */
  overlapMax: number;
  /** gold_rate in parts per million (0 without gold) */
  goldRatePpm: number;
}

export interface BatchCost {
  /** Σ data × max × reward: the answers reserved on the batch's work items */
  answersCents: number;
  /** the control-answer share (§11.2) */
  goldCents: number;
  costCents: number;
}

/**
 * What paying a batch of `data` data reserves. Throws RangeError when the total would not fit
 * 2^53 − 1 cents: the caller answers 422 and stores nothing (API.md §1.2).
 */
export function batchCost(data: number, tasks: readonly TaskReservation[]): BatchCost {
  if (!Number.isSafeInteger(data) || data < 0) throw new RangeError(`data count ${data} is not a non-negative integer`);
  let answers = 0n;
  let gold = 0n;
  for (const t of tasks) {
    if (!Number.isSafeInteger(t.rewardCents) || t.rewardCents < 0) throw new RangeError(`reward ${t.rewardCents} is not integer cents`);
    if (!Number.isInteger(t.overlapMax) || t.overlapMax < 1) throw new RangeError(`overlap.max ${t.overlapMax} is not a positive integer`);
    const sum = BigInt(data) * BigInt(t.overlapMax) * BigInt(t.rewardCents);
    answers += sum;
    gold += ceilPpm(sum, t.goldRatePpm);
  }
  const cost = answers + gold;
  if (cost > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('the cost does not fit 2^53 − 1 cents');
  return { answersCents: Number(answers), goldCents: Number(gold), costCents: Number(cost) };
}

/**
 * What goes back to the requester when a task is done with a datum: the answers reserved for it
 * and not paid. Rejected answers are never paid (their slot reopens on the same reservation), so
 * `paidAnswers ≤ reservedAnswers` always; anything else is a bug and throws.
 */
export function unusedReservationCents(reservedAnswers: number, paidAnswers: number, rewardCents: number): number {
  if (paidAnswers > reservedAnswers) throw new RangeError(`${paidAnswers} answers paid from a reservation of ${reservedAnswers}`);
  return (reservedAnswers - paidAnswers) * rewardCents;
}

/** What is left of a batch's gold share at completion (it all goes back then). */
export function unusedGoldCents(goldCents: number, goldSpentCents: number): number {
  if (goldSpentCents > goldCents) throw new RangeError(`gold spent ${goldSpentCents} exceeds the gold share ${goldCents}`);
  return goldCents - goldSpentCents;
}

/**
 * The batch's money in one line, checked whenever a figure is shown or a batch completes:
 * everything reserved is either spent, refunded or still held for open work.
 */
export function reservationBalances(r: { costCents: number; spentCents: number; refundedCents: number; heldCents: number }): boolean {
  return r.spentCents >= 0 && r.refundedCents >= 0 && r.heldCents >= 0 && r.spentCents + r.refundedCents + r.heldCents === r.costCents;
}
