import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Params } from '../batches/datum-input';
import { sql, sqlOne } from '../database/sql';

/** A row of gold_items as the module uses it. */
export interface GoldRow {
  id: string;
  task_id: string;
  parameters: Params;
  answer: string;
  answers_count: number;
  right_count: number;
  created: Date;
}

const COLUMNS = 'id, task_id, parameters, answer, answers_count, right_count, created';

/** The only SQL on gold_items (the quality module owns the table). */
@Injectable()
export class GoldRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts the items in the given order (one statement, so ids follow that order). */
  insertMany(em: EntityManager, taskId: string, items: Array<{ parameters: Params; answer: string }>): Promise<GoldRow[]> {
    return sql<GoldRow>(
      em,
      `INSERT INTO gold_items (task_id, parameters, answer)
       SELECT $1, e.item -> 'parameters', e.item ->> 'answer'
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(item, n)
        ORDER BY e.n
       RETURNING ${COLUMNS}`,
      [taskId, JSON.stringify(items)],
    ).then((rows) => rows.sort((a, b) => Number(a.id) - Number(b.id)));
  }

  /** A task's live gold, newest first; `limit + 1` rows so the caller knows whether more follow. */
  listByTask(taskId: string, limit: number, offset: number): Promise<GoldRow[]> {
    return sql<GoldRow>(this.db.manager, `SELECT ${COLUMNS} FROM gold_items WHERE task_id = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT $2 OFFSET $3`, [
      taskId,
      limit + 1,
      offset,
    ]);
  }

  find(id: string, em?: EntityManager): Promise<GoldRow | undefined> {
    return sqlOne<GoldRow>(em ?? this.db.manager, `SELECT ${COLUMNS} FROM gold_items WHERE id = $1 AND deleted_at IS NULL`, [id]);
  }

  /** Soft delete: answers already served from the item keep pointing at it. False when already gone. */
  async softDelete(em: EntityManager, id: string): Promise<boolean> {
    const rows = await sql(em, `UPDATE gold_items SET deleted_at = now(), updated = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`, [id]);
    return rows.length === 1;
  }
}
