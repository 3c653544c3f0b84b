import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Caller } from '../auth/caller';
import { forbidden, notFound } from '../common/errors';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { GuildAccess } from '../guilds/guild-access.service';
import { TaskEntity } from '../tasks/task.entity';
import { TasksService } from '../tasks/tasks.service';
import { deleteSubscription, insertSubscription, subscribedTasks, subscriptionOf, SubscriptionRow } from './members.repository';

export type { SubscriptionRow } from './members.repository';

@Injectable()
export class SubscriptionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: GuildAccess,
    private readonly tasks: TasksService,
  ) {}

  /**
   * Subscribes the caller to a task of a guild they are an active member of. The guild owner is
   * not a worker unless also a member (403). Idempotent: `created` is false when already subscribed.
   */
  subscribe(caller: Caller, taskId: string): Promise<{ subscription: SubscriptionRow; created: boolean }> {
    return inTransaction(this.db, async (em) => {
      const { task } = await this.tasks.get(caller, taskId, undefined, em);
      const member = await this.access.activeMember(caller, task.guildId, em);
      if (!member) throw forbidden('Only active members of the guild can subscribe to its tasks (an owner who wants work must also be a member)');
      const inserted = await insertSubscription(em, member.id, task.id);
      if (inserted) return { subscription: inserted, created: true };
      return { subscription: (await subscriptionOf(em, member.id, task.id))!, created: false };
    });
  }

  unsubscribe(caller: Caller, taskId: string): Promise<SubscriptionRow> {
    return inTransaction(this.db, async (em) => {
      const { task } = await this.tasks.get(caller, taskId, undefined, em);
      const member = await this.access.activeMember(caller, task.guildId, em);
      if (!member) throw notFound('Subscription');
      const deleted = await deleteSubscription(em, member.id, task.id);
      if (!deleted) throw notFound('Subscription');
      return deleted;
    });
  }

  /**
   * The caller's subscribed tasks (in guilds where they are still an active member), most recent
   * subscription first, each with its count of open work: open items and answer slots, and
   * claimed ones whose lease has lapsed (claimable again).
   */
  async myTasks(caller: Caller, page: Page): Promise<Array<{ task: TaskEntity; openWorkCount: number }>> {
    const rows = await subscribedTasks(this.db.manager, caller.userId, page.limit + 1, page.offset);
    if (rows.length === 0) return [];
    const tasks = await this.db.getRepository(TaskEntity).findBy({ id: In(rows.map((r) => String(r.task_id))) });
    const byId = new Map(tasks.map((t) => [String(t.id), t]));
    return rows.map((r) => ({ task: byId.get(String(r.task_id))!, openWorkCount: Number(r.open_work_count) }));
  }
}
