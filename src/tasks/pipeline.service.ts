import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { toCents } from '../common/money';
import { ConnectionEntity } from './connection.entity';
import { TaskEntity } from './task.entity';
import { priceSum } from './tasks.repository';

/**
 * A guild's pipeline as other modules (batches, work) need it. Pass `em` to read inside your
 * transaction (e.g. when snapshotting the pipeline while paying a batch).
 */
@Injectable()
export class PipelineService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every task of the guild, oldest first. */
  tasks(guildId: string, em?: EntityManager): Promise<TaskEntity[]> {
    return (em ?? this.db.manager).find(TaskEntity, { where: { guildId }, order: { id: 'ASC' } });
  }

  /** Every connection of the guild, oldest first. */
  async connections(guildId: string, em?: EntityManager): Promise<Array<{ sourceTaskId: string; targetTaskId: string }>> {
    const rows = await (em ?? this.db.manager).find(ConnectionEntity, { where: { guildId }, order: { id: 'ASC' } });
    return rows.map((c) => ({ sourceTaskId: String(c.sourceTaskId), targetTaskId: String(c.targetTaskId) }));
  }

  /**
   * What one datum costs through the whole pipeline: each task runs once per datum (an AND-join
   * at tasks with several inputs), so it is the sum of every task's minimum_amount_cents.
   * 0 for a guild with no task (which cannot take batches).
   */
  async pricePerDatumCents(guildId: string, em?: EntityManager): Promise<number> {
    return toCents(await priceSum(em ?? this.db.manager, guildId));
  }
}
