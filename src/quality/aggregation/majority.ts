/**
 * Majority vote (API.md §11.5 `majority`): the most frequent value, confidence = its share of the
 * answers. A tie is never confident: `confident()` refuses it whatever the threshold, because at
 * the lowest allowed confidence (0.5) a 1–1 tie of two answers would otherwise "reach" it.
 */

export interface Aggregate {
  /** index of the chosen label; -1 when there are no answers */
  label: number;
  /** share of the answers (majority) or posterior probability (Dawid–Skene) of `label` */
  confidence: number;
  /** another label has the same count / posterior: never confident */
  tie: boolean;
}

/**
 * `answers` are label indices in 0..classes-1. Among tied labels the one listed first in the
 * task's `labels` wins (deterministic; the datum is then not confident, so it collects more
 * answers until `overlap.max`).
 */
export function majority(answers: readonly number[], classes: number): Aggregate {
  if (answers.length === 0) return { label: -1, confidence: 0, tie: false };
  const counts = new Array<number>(classes).fill(0);
  for (const a of answers) {
    if (!Number.isInteger(a) || a < 0 || a >= classes) throw new RangeError(`label index ${a} is outside 0..${classes - 1}`);
    counts[a]++;
  }
  let best = 0;
  for (let k = 1; k < classes; k++) if (counts[k] > counts[best]) best = k;
  const tie = counts.some((c, k) => k !== best && c === counts[best]);
  return { label: best, confidence: counts[best] / answers.length, tie };
}

/** Whether an aggregate is confident enough to stop asking: never on a tie. */
export function confident(a: Aggregate, threshold: number): boolean {
  return a.label >= 0 && !a.tie && a.confidence >= threshold;
}
