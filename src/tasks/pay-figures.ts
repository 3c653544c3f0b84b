import { money } from '../common/money';

/**
 * Pay transparency (API.md §12.3): what a task pays per hour of the work it takes.
 * docs/bonuses-and-blocks.md, "Pay transparency".
 */

/** The median is taken over a task's most recent approved submits, at most this many (bounded work per task and request). */
export const PAY_FIGURES_WINDOW = 200;

/**
 * `median_seconds` (whole seconds from claim to submit, the median of the window; null without an
 * approved submit) and `effective_hourly(_cents)`: the task's reward per median time, per hour,
 * rounded half up to a whole cent; null without a median. A median under one second counts as one
 * second. Integer arithmetic only.
 */
export function payFigures(rewardCents: number, medianSeconds: number | null) {
  if (medianSeconds === null) return { median_seconds: null, effective_hourly: null, effective_hourly_cents: null };
  const seconds = Math.max(1, medianSeconds);
  const hourly = Math.floor((rewardCents * 3600 * 2 + seconds) / (seconds * 2));
  return { median_seconds: medianSeconds, ...money('effective_hourly', hourly) };
}
