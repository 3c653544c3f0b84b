import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { inTransaction } from '../database/transaction';
import { QueueService } from '../queue/queue.service';
import { dawidSkene } from './aggregation/dawid-skene';
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
 * Not yet: gold answers as known truth (no gold is served yet), warm start, `skill`/`quality_score`.
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
    const rows = await sql<{ work_item_id: string; member_id: string; value: string }>(
      this.ds.manager,
      `SELECT an.work_item_id, an.member_id, an.value
         FROM answers an JOIN work_items w ON w.id = an.work_item_id
        WHERE w.task_id = $1 AND an.status = 'approved'
        ORDER BY an.id DESC LIMIT $2`,
      [taskId, MAX_ANSWERS],
    );
    const items = new Map<string, number>();
    const members = new Map<string, number>();
    const answerItem: number[] = [];
    const answerWorker: number[] = [];
    const answerLabel: number[] = [];
    for (const r of rows) {
      // answers of batches paid under other labels do not fit this model
      const label = labels.indexOf(r.value);
      if (label < 0) continue;
      if (!items.has(r.work_item_id)) items.set(r.work_item_id, items.size);
      if (!members.has(r.member_id)) members.set(r.member_id, members.size);
      answerItem.push(items.get(r.work_item_id)!);
      answerWorker.push(members.get(r.member_id)!);
      answerLabel.push(label);
    }
    if (answerItem.length === 0) return;
    const model = dawidSkene({ classes: labels.length, items: items.size, workers: members.size, answerItem, answerWorker, answerLabel });
    await inTransaction(this.ds, async (em) => {
      for (const [memberId, w] of members) {
        await saveMemberSkill(em, { memberId, taskId, confusion: model.confusion[w], answers: model.answers[w] });
      }
      await saveTaskModel(em, { taskId, priors: model.priors, answersSeen: answerItem.length });
    });
  }
}
