import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { inTransaction } from '../database/transaction';
import { QueueService } from '../queue/queue.service';
import { Confusion, dawidSkene, workerAccuracy } from './aggregation/dawid-skene';
import { writeModelSkills } from './gold-serving.repository';
import { refreshQualityScore } from './skills';
import { QualitySettings } from './settings/quality-settings';
import { saveMemberSkill, saveTaskModel } from './skills.repository';

export const SKILLS_REFRESH_TASK = 'quality-skills-refresh';

/** At most this many of a task's latest approved answers are fitted (the model follows the current crowd). */
const MAX_ANSWERS = 200_000;

/**
 * The Dawid–Skene refresh of one task (API.md §11.5, docs/quality-and-scale.md B.7): EM over the
 * task's approved answers; the members' confusion matrices and the class priors are written to
 * member_task_skills and task_models, which the submit reads to compute a datum's posterior
 * (src/work/submit-answer.usecase.ts). Queued by the submit every N answers with one job key per
 * task, so refreshes of a task never pile up; a request never waits for one. Data already done
 * keep the aggregate they had at completion.
 *
 * Gold answers are known truth (clamped in EM); the fit starts from the stored model (warm start);
 * it writes each fitted member's skill (member_task_stats.model_skill, Σ π[k] θ[k][k]) and their
 * quality_score.
 */
@Injectable()
export class SkillsRefresh implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly queue: QueueService,
  ) {}

  onModuleInit(): void {
    this.queue.define<{ task_id: string }>(SKILLS_REFRESH_TASK, ({ payload }) => this.refresh(String(payload.task_id)));
  }

  async refresh(taskId: string): Promise<void> {
    const task = await sqlOne<{ quality: QualitySettings | null }>(this.ds.manager, 'SELECT quality FROM tasks WHERE id = $1', [taskId]);
    const labels = task?.quality?.labels;
    if (!labels || task.quality!.aggregation !== 'dawid_skene') return;
    // the task's latest answers: approved real ones, and every gold answer (a rejected gold answer
    // still says how this member errs), each gold one with its truth
    const rows = await sql<{ work_item_id: string; member_id: string; value: string; truth: string | null }>(
      this.ds.manager,
      `SELECT an.work_item_id, an.member_id, an.value, g.answer AS truth
         FROM answers an JOIN work_items w ON w.id = an.work_item_id
         LEFT JOIN gold_servings gs ON gs.work_item_id = an.work_item_id
         LEFT JOIN gold_items g ON g.id = gs.gold_item_id
        WHERE w.task_id = $1 AND (an.status = 'approved' OR gs.work_item_id IS NOT NULL)
        ORDER BY an.id DESC LIMIT $2`,
      [taskId, MAX_ANSWERS],
    );
    const items = new Map<string, number>();
    const truth: number[] = [];
    const members = new Map<string, number>();
    const answerItem: number[] = [];
    const answerWorker: number[] = [];
    const answerLabel: number[] = [];
    for (const r of rows) {
      // answers of batches paid under other labels do not fit this model
      const label = labels.indexOf(r.value);
      if (label < 0) continue;
      if (!items.has(r.work_item_id)) {
        items.set(r.work_item_id, items.size);
        // gold is known truth (clamped in EM); a gold answer outside the current labels is unknown
        truth.push(r.truth === null ? -1 : labels.indexOf(r.truth));
      }
      if (!members.has(r.member_id)) members.set(r.member_id, members.size);
      answerItem.push(items.get(r.work_item_id)!);
      answerWorker.push(members.get(r.member_id)!);
      answerLabel.push(label);
    }
    if (answerItem.length === 0) return;

    // warm start from the stored model when it fits these labels (members it has not seen start at the prior)
    const init = await this.storedModel(taskId, labels.length, [...members.keys()]);
    const model = dawidSkene(
      { classes: labels.length, items: items.size, workers: members.size, answerItem, answerWorker, answerLabel, truth },
      init ? { init: { priors: init.priors, confusion: [...members.keys()].map((m) => init.confusion.get(m)) as Confusion[] } } : {},
    );
    await inTransaction(this.ds, async (em) => {
      for (const [memberId, w] of members) {
        await saveMemberSkill(em, { memberId, taskId, confusion: model.confusion[w], answers: model.answers[w] });
      }
      await saveTaskModel(em, { taskId, priors: model.priors, answersSeen: answerItem.length });
      // the per-member skill a claim reads (min_quality) and the WorkerSkill list shows, then quality_score
      await writeModelSkills(
        em,
        taskId,
        [...members].map(([memberId, w]) => ({ memberId, skill: workerAccuracy(model.priors, model.confusion[w]), answers: model.answers[w] })),
      );
      for (const memberId of members.keys()) await refreshQualityScore(em, memberId);
    });
  }

  /** The task's stored priors and member matrices, when they have `classes` classes. */
  private async storedModel(taskId: string, classes: number, memberIds: string[]): Promise<{ priors: number[]; confusion: Map<string, Confusion> } | null> {
    const m = await sqlOne<{ priors: number[] }>(this.ds.manager, 'SELECT priors FROM task_models WHERE task_id = $1', [taskId]);
    if (!m || m.priors.length !== classes) return null;
    const rows = await sql<{ member_id: string; confusion: number[][] }>(
      this.ds.manager,
      'SELECT member_id, confusion FROM member_task_skills WHERE task_id = $1 AND member_id = ANY($2::bigint[])',
      [taskId, memberIds],
    );
    const confusion = new Map<string, Confusion>();
    for (const r of rows) if (r.confusion.length === classes && r.confusion[0]?.length === classes) confusion.set(String(r.member_id), r.confusion);
    return { priors: m.priors.map(Number), confusion };
  }
}
