import { rateToPpm } from './cost';
import { goldClaim, minQualityRefusal, notQualifiedMessage, qualification, QualificationState, skill } from './access';

/** What a claim reads of the member at the task (member_task_stats; absent = all zero). */
export interface MemberAtTask {
  goldAnswers: number;
  goldRight: number;
  qualAnswers: number;
  qualRight: number;
  /** null while undecided; false is final (§11.6) */
  qualified: boolean | null;
  modelSkill: number | null;
  modelAnswers: number;
  /** gold items of the task (live, answer among the current labels) not yet served to the member */
  unseenGold: number;
}

export type ClaimGate =
  /** 403 with this message; `final`: the qualification just failed and must be stored as failed */
  | { refuse: string; final: boolean }
  /** `gold`: serve gold; `testing`: the member is still answering qualification gold (real work must wait) */
  | { refuse: null; gold: boolean; testing: boolean };

/**
 * The quality side of a claim (API.md §11.2, §11.3, §11.6), pure: whether the member may claim at
 * the task, and whether this claim is gold. `u` is a uniform draw in [0, 1).
 *
 * - qualification failed (stored) → 403 with the stored figure, whatever the settings are now;
 * - still testing → gold (min(qualification.gold, unseen) control answers first);
 * - qualification failing now (e.g. gold items deleted) → 403, stored as final by the caller;
 * - `min_quality` once 5 answers are scored (the skill of §11.4) → 403;
 * - otherwise gold with probability `gold_rate` while unseen gold is left.
 */
export function claimGate(
  q: { gold_rate: number; qualification: { gold: number; min_accuracy: number }; min_quality: number | null },
  m: MemberAtTask,
  u: number,
): ClaimGate {
  if (m.qualified === false) return { refuse: notQualifiedMessage(m.qualRight, m.qualAnswers, q.qualification.min_accuracy), final: false };
  const qual: QualificationState = qualification(
    { gold: q.qualification.gold, minAccuracy: q.qualification.min_accuracy },
    { goldAnswered: m.qualAnswers, goldRight: m.qualRight, unseenGold: m.unseenGold },
  );
  if (qual.state === 'failed') return { refuse: qual.message, final: true };
  if (qual.state === 'testing') return { refuse: null, gold: true, testing: true };
  const s = skill({
    goldAnswered: m.goldAnswers,
    goldRight: m.goldRight,
    model: m.modelSkill === null ? null : { accuracy: m.modelSkill, answers: m.modelAnswers },
  });
  const low = minQualityRefusal(q.min_quality, { scoredAnswers: s.scoredAnswers, skill: s.skill });
  if (low) return { refuse: low, final: false };
  return { refuse: null, gold: goldClaim(rateToPpm(q.gold_rate), qual, m.unseenGold, u), testing: false };
}
