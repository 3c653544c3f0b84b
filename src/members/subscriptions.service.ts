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
import { sql } from '../database/sql';

export interface SubscriptionRow {
  member_id: string;
  task_id: string;
  created: Date;
}

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
      const inserted: SubscriptionRow[] = await em.query(
        `INSERT INTO subscriptions (member_id, task_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING member_id, task_id, created`,
        [member.id, task.id],
      );
      if (inserted[0]) return { subscription: inserted[0], created: true };
      const existing: SubscriptionRow[] = await em.query(`SELECT member_id, task_id, created FROM subscriptions WHERE member_id = $1 AND task_id = $2`, [
        member.id,
        task.id,
      ]);
      return { subscription: existing[0], created: false };
    });
  }

  unsubscribe(caller: Caller, taskId: string): Promise<SubscriptionRow> {
    return inTransaction(this.db, async (em) => {
      const { task } = await this.tasks.get(caller, taskId, undefined, em);
      const member = await this.access.activeMember(caller, task.guildId, em);
      if (!member) throw notFound('Subscription');
      const deleted = await sql<SubscriptionRow>(em, `DELETE FROM subscriptions WHERE member_id = $1 AND task_id = $2 RETURNING member_id, task_id, created`, [
        member.id,
        task.id,
      ]);
      if (!deleted[0]) throw notFound('Subscription');
      return deleted[0];
    });
  }

  /**
   * The caller's subscribed tasks (in guilds where they are still an active member), most recent
   * subscription first, each with its count of open work: open items and answer slots, and
   * claimed ones whose lease has lapsed (claimable again).
   */
  async myTasks(caller: Caller, page: Page): Promise<Array<{ task: TaskEntity; openWorkCount: number }>> {
    const rows: Array<{ task_id: string; open_work_count: string }> = await this.db.query(
      `SELECT s.task_id,
              (SELECT count(*) FROM work_items w
                WHERE w.task_id = s.task_id
                  AND (w.status = 'open' OR (w.status = 'claimed' AND w.lease_expires_at < now() AND NOT w.canceled)))
              -- answer slots of data collecting several answers (API.md §11.1)
              + (SELECT count(*) FROM answer_slots sl
                  WHERE sl.task_id = s.task_id AND (sl.status = 'open' OR (sl.status = 'claimed' AND sl.lease_expires_at < now()))) AS open_work_count
         FROM subscriptions s
         JOIN members m ON m.id = s.member_id AND m.status = 'active' AND m.user_id = $1
        ORDER BY s.created DESC, s.task_id DESC
        LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit + 1, page.offset],
    );
    if (rows.length === 0) return [];
    const tasks = await this.db.getRepository(TaskEntity).findBy({ id: In(rows.map((r) => String(r.task_id))) });
    const byId = new Map(tasks.map((t) => [String(t.id), t]));
    return rows.map((r) => ({ task: byId.get(String(r.task_id))!, openWorkCount: Number(r.open_work_count) }));
  }
}
