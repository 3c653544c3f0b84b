import { EntityManager } from 'typeorm';
import { setQualityScore } from '../members/members.repository';
import { MemberTaskStatsRow, statsOfMember } from './gold-serving.repository';
import { qualityScore, skill } from './rules/access';

/** A member's skill at a task (§11.4) from their stats row: the model's accuracy once fitted, else their gold accuracy. */
export function skillOf(st: MemberTaskStatsRow): { skill: number | null; scoredAnswers: number } {
  return skill({
    goldAnswered: st.gold_answers,
    goldRight: st.gold_right,
    model: st.model_skill === null ? null : { accuracy: Number(st.model_skill), answers: st.model_answers },
  });
}

/**
 * The member's quality_score (§6, §11.4, §11.6) recomputed from their stats at the guild's tasks:
 * weighted by scored answers, only tasks with `answer` weigh, 1.00 when nothing has weight.
 * O(tasks the member worked at). Called after each of their gold answers and by the refresh job.
 */
export async function refreshQualityScore(em: EntityManager, memberId: string): Promise<number> {
  const rows = await statsOfMember(em, memberId);
  const score = qualityScore(rows.map((r) => ({ hasAnswer: r.has_answer, ...skillOf(r) })));
  await setQualityScore(em, memberId, score);
  return score;
}
