import { EntityManager } from 'typeorm';
import { Params } from './datum-input';
import { sqlOne } from '../database/sql';

/**
 * A served gold item's datum (API.md §11.6 "Gold serving"): a fresh id from the same sequence as
 * real data, the gold item's parameters, and no batch — so no batch's data, results or progress
 * ever include it.
 */
export async function insertGoldDatum(em: EntityManager, parameters: Params, goldItemId: string): Promise<string> {
  const r = await sqlOne<{ id: string }>(
    em,
    `INSERT INTO data (batch_id, status, parameters, open_work_count, gold_item_id) VALUES (NULL, 'processing', $1::jsonb, 1, $2) RETURNING id`,
    [JSON.stringify(parameters), goldItemId],
  );
  return String(r!.id);
}
