import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { Page } from '../common/pagination';
import { wireId } from '../common/wire';
import { GuildAccess } from '../guilds/guild-access.service';
import { TasksService } from '../tasks/tasks.service';
import { blockedMemberIds, workerStatsOfTask } from './gold-serving.repository';
import { qualification } from './rules/access';
import { skillOf } from './skills';

/**
 * GET /api/tasks/:id/workers (API.md §11.4): owner only. One row per member with answers at the
 * task (or a decided qualification), newest member first (§1.1), from member_task_stats.
 */
@Injectable()
export class SkillsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tasks: TasksService,
    private readonly access: GuildAccess,
  ) {}

  async workers(caller: Caller, taskId: string, page: Page) {
    const { task } = await this.tasks.get(caller, taskId);
    await this.access.ownerOnly(caller, task.guildId);
    const q = task.quality;
    const rows = await workerStatsOfTask(this.db.manager, task.id, q?.labels ?? [], page.limit, page.offset);
    const blocked = await blockedMemberIds(
      this.db.manager,
      rows.map((r) => String(r.member_id)),
    );
    return rows.map((r) => {
      const s = skillOf(r);
      const qual =
        r.qualified === false
          ? false
          : q === null ||
            qualification(
              { gold: q.qualification.gold, minAccuracy: q.qualification.min_accuracy },
              { goldAnswered: r.qual_answers, goldRight: r.qual_right, unseenGold: r.unseen_gold },
            ).state === 'qualified';
      return {
        object: 'WorkerSkill' as const,
        id: wireId(r.member_id),
        member_id: wireId(r.member_id),
        answers: r.answers,
        gold_answers: r.gold_answers,
        gold_right: r.gold_right,
        accuracy: s.skill === null ? null : Math.round(s.skill * 10000) / 10000,
        qualified: qual,
        blocked: blocked.has(String(r.member_id)),
        median_seconds: r.median_seconds === null ? null : Number(r.median_seconds),
      };
    });
  }
}
