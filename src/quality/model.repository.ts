import { EntityManager } from 'typeorm';
import { sql } from '../database/sql';
import { Confusion } from './aggregation/dawid-skene';

/** The SQL that writes member_task_skills and task_models (the Dawid–Skene refresh, B.7; read by the submit). */

export async function upsertMemberSkills(
  em: EntityManager,
  taskId: string,
  rows: Array<{ memberId: string; confusion: Confusion; answers: number }>,
): Promise<void> {
  for (const r of rows) {
    await sql(
      em,
      `INSERT INTO member_task_skills (member_id, task_id, confusion, answers) VALUES ($1, $2, $3::float8[], $4)
       ON CONFLICT (member_id, task_id) DO UPDATE SET confusion = EXCLUDED.confusion, answers = EXCLUDED.answers`,
      [r.memberId, taskId, r.confusion, r.answers],
    );
  }
}

export async function upsertTaskModel(em: EntityManager, taskId: string, priors: number[], answersSeen: number): Promise<void> {
  await sql(
    em,
    `INSERT INTO task_models (task_id, priors, fitted_at, answers_seen) VALUES ($1, $2::float8[], now(), $3)
     ON CONFLICT (task_id) DO UPDATE SET priors = EXCLUDED.priors, fitted_at = now(), answers_seen = EXCLUDED.answers_seen`,
    [taskId, priors, answersSeen],
  );
}
