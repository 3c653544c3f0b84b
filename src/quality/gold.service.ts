import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { ApiError, notFound } from '../common/errors';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { GuildAccess } from '../guilds/guild-access.service';
import { TaskEntity } from '../tasks/task.entity';
import { TasksService } from '../tasks/tasks.service';
import { parseGoldItems } from './gold-input';
import { GoldRepository, GoldRow } from './gold.repository';

/**
 * Control answers (API.md §11.2): owner-only CRUD. Access follows docs/guilds.md: a stranger gets
 * 404 for the task or the gold item, a member of the guild 403 (they can see the task).
 */
@Injectable()
export class GoldService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tasks: TasksService,
    private readonly access: GuildAccess,
    private readonly gold: GoldRepository,
  ) {}

  create(caller: Caller, taskId: string, data: unknown): Promise<{ task: TaskEntity; items: GoldRow[] }> {
    return inTransaction(this.db, async (em) => {
      const { task } = await this.tasks.get(caller, taskId, undefined, em);
      const guild = await this.access.ownerOnly(caller, task.guildId, em);
      const items = parseGoldItems(data, guild.inputParameters, task.quality?.labels ?? null);
      return { task, items: await this.gold.insertMany(em, task.id, items) };
    });
  }

  async list(caller: Caller, taskId: string, page: Page): Promise<GoldRow[]> {
    const { task } = await this.tasks.get(caller, taskId);
    await this.access.ownerOnly(caller, task.guildId);
    return this.gold.listByTask(task.id, page.limit, page.offset);
  }

  delete(caller: Caller, id: string): Promise<GoldRow> {
    return inTransaction(this.db, async (em) => {
      const item = await this.gold.find(id, em);
      if (!item) throw notFound('Gold', id);
      let task: TaskEntity;
      try {
        task = (await this.tasks.get(caller, item.task_id, undefined, em)).task;
      } catch (e) {
        if (e instanceof ApiError && e.getStatus() === 404) throw notFound('Gold', id);
        throw e;
      }
      await this.access.ownerOnly(caller, task.guildId, em);
      // a concurrent delete of the same item: the loser sees what a later request would, a 404
      if (!(await this.gold.softDelete(em, id))) throw notFound('Gold', id);
      return item;
    });
  }
}
