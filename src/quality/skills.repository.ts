import { EntityManager } from 'typeorm';
import { sql } from '../database/sql';

/**
 * The SQL that writes member_task_skills and task_models (this module owns them; docs/architecture.md,
 * "Who owns which table"): the Dawid–Skene refresh (skills-refresh.ts) stores what it fitted. The
 * submit reads both (src/work/submit-answer.usecase.ts).
 */

/** The member's confusion matrix on the task (rows: true label, columns: the answer given), fitted from `answers` answers. */
export async function saveMemberSkill(em: EntityManager, s: { memberId: string; taskId: string; confusion: number[][]; answers: number }): Promise<void> {
  await sql(
    em,
    `INSERT INTO member_task_skills (member_id, task_id, confusion, answers) VALUES ($1, $2, $3::float8[], $4)
     ON CONFLICT (member_id, task_id) DO UPDATE SET confusion = EXCLUDED.confusion, answers = EXCLUDED.answers`,
    [s.memberId, s.taskId, s.confusion, s.answers],
  );
}

/** The task's class priors, fitted now from `answersSeen` answers. */
export async function saveTaskModel(em: EntityManager, m: { taskId: string; priors: number[]; answersSeen: number }): Promise<void> {
  await sql(
    em,
    `INSERT INTO task_models (task_id, priors, fitted_at, answers_seen) VALUES ($1, $2::float8[], now(), $3)
     ON CONFLICT (task_id) DO UPDATE SET priors = EXCLUDED.priors, fitted_at = now(), answers_seen = EXCLUDED.answers_seen`,
    [m.taskId, m.priors, m.answersSeen],
  );
}
