/**
 * Who may claim at a task with a quality object (API.md §11.3, §11.6), its exact 403 texts, when
 * a claim is gold, and the skill figures of §11.4. Pure: the claim path reads the member's
 * counters and calls these.
 */

/** Skill decisions (min_quality) start once a member has this many scored answers at the task. */
export const MIN_SCORED_ANSWERS = 5;

/** A share as a percentage for a message: floored to one decimal, so "79.9 %" never shows as "80%". */
export function percent(share: number): string {
  const tenths = Math.floor(share * 1000 + 1e-9);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}%`;
}

/** A required share for a message: rounded to one decimal (0.8 → "80%", 0.333 → "33.3%"). */
function needed(share: number): string {
  const tenths = Math.round(share * 1000);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}%`;
}

export type QualificationState =
  | { state: 'qualified' }
  /** still answering qualification gold: the next claim must be gold */
  | { state: 'testing'; remaining: number }
  | { state: 'failed'; message: string };

/**
 * §11.3 / §11.6: a member must answer min(qualification.gold, gold items they have not seen)
 * control answers first; below min_accuracy of them right, they are not qualified, for good.
 * `unseenGold` is the number of gold items of the task the member has not been served yet.
 */
export function qualification(
  q: { gold: number; minAccuracy: number },
  member: { goldAnswered: number; goldRight: number; unseenGold: number },
): QualificationState {
  const required = Math.min(q.gold, member.goldAnswered + member.unseenGold);
  if (member.goldAnswered < required) return { state: 'testing', remaining: required - member.goldAnswered };
  if (required === 0) return { state: 'qualified' };
  // decided on the first `required` answers only: later gold answers feed the skill, not this
  const right = Math.min(member.goldRight, required);
  if (right / required >= q.minAccuracy - 1e-12) return { state: 'qualified' };
  return { state: 'failed', message: notQualifiedMessage(right, required, q.minAccuracy) };
}

/** The §11.3 refusal: `not qualified for this task: 3 of 5 control answers right (60%), 80% needed`. */
export function notQualifiedMessage(right: number, answered: number, minAccuracy: number): string {
  return `not qualified for this task: ${right} of ${answered} control answers right (${percent(answered === 0 ? 0 : right / answered)}), ${needed(minAccuracy)} needed`;
}

/**
 * §11.6: min_quality applies once the member has 5 scored answers at the task. Returns the 403
 * message when the member is below it, else null.
 */
export function minQualityRefusal(minQuality: number | null, member: { scoredAnswers: number; skill: number | null }): string | null {
  if (minQuality === null || member.skill === null || member.scoredAnswers < MIN_SCORED_ANSWERS) return null;
  if (member.skill >= minQuality - 1e-12) return null;
  return `not qualified for this task: skill ${percent(member.skill)} over ${member.scoredAnswers} scored answers, ${needed(minQuality)} needed`;
}

/**
 * Whether this claim should be a gold one. Qualification comes first (every claim is gold while
 * testing); afterwards a claim is gold with probability gold_rate, drawn per claim (`u` uniform
 * in [0, 1)) so no position in a member's sequence gives gold away. No unseen gold → never gold.
 */
export function goldClaim(goldRatePpm: number, qual: QualificationState, unseenGold: number, u: number): boolean {
  if (unseenGold <= 0) return false;
  if (qual.state === 'testing') return true;
  return u * 1_000_000 < goldRatePpm;
}

/** The skill of a member at a task from gold alone (right / answered), or null without gold answers. */
export function goldSkill(goldAnswered: number, goldRight: number): number | null {
  return goldAnswered === 0 ? null : goldRight / goldAnswered;
}

/**
 * §11.4: the estimate of how often the member is right at the task. With dawid_skene the model's
 * accuracy for the member (Σ π[k] θ[k][k], fitted on their gold and real answers, gold as truth)
 * once the model has seen them; otherwise (majority, or not yet fitted) their gold accuracy.
 * `scoredAnswers` is the number of answers behind the figure.
 */
export function skill(s: {
  goldAnswered: number;
  goldRight: number;
  /** accuracy from the member's confusion matrix and the answers it was fitted on; null without a fit */
  model: { accuracy: number; answers: number } | null;
}): { skill: number | null; scoredAnswers: number } {
  if (s.model && s.model.answers > 0) return { skill: s.model.accuracy, scoredAnswers: s.model.answers };
  return { skill: goldSkill(s.goldAnswered, s.goldRight), scoredAnswers: s.goldAnswered };
}

/**
 * §11.4 / §11.6: quality_score across the guild's tasks, weighted by scored answers; only tasks
 * with `answer` weigh; 1.00 when nothing has weight. Two decimals (the column is numeric(3,2)).
 */
export function qualityScore(tasks: ReadonlyArray<{ hasAnswer: boolean; skill: number | null; scoredAnswers: number }>): number {
  let weight = 0;
  let sum = 0;
  for (const t of tasks) {
    if (!t.hasAnswer || t.skill === null || t.scoredAnswers <= 0) continue;
    weight += t.scoredAnswers;
    sum += t.skill * t.scoredAnswers;
  }
  if (weight === 0) return 1;
  return Math.round(Math.min(1, Math.max(0, sum / weight)) * 100) / 100;
}
