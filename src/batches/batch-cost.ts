import { invalidField } from '../common/errors';
import { batchCost, BatchCost, rateToPpm } from '../quality/rules/cost';
import { reservedAnswers } from '../quality/settings/quality-settings';
import { TaskEntity } from '../tasks/task.entity';

/**
 * What paying `data` data through `tasks` reserves (API.md §11.6 "Cost"): overlap.max answers per
 * datum at each task plus the gold share; a 422 on `field` when it would not fit 2^53 − 1 cents (issue 13).
 */
export function costOfBatch(data: number, tasks: Array<Pick<TaskEntity, 'minimumAmountCents' | 'quality'>>, field = 'batch.data'): BatchCost {
  try {
    return batchCost(
      data,
      tasks.map((t) => ({ rewardCents: t.minimumAmountCents, overlapMax: reservedAnswers(t.quality), goldRatePpm: rateToPpm(t.quality?.gold_rate ?? 0) })),
    );
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw invalidField(field, `would make the batch cost more than the largest amount this server handles (${Number.MAX_SAFE_INTEGER} cents)`);
  }
}

/**
 * costOfBatch in SQL, for the batch read while unpaid (`batch` is an SQL expression naming the
 * batches row): the same integers (gold_rate is a JSON number with at most six decimals, exact as
 * numeric, and ceil of a numeric is exact).
 */
export const UNPAID_COST_SQL = (batch: string) => `(SELECT coalesce(sum(x + ceil(x * rate)), 0)
     FROM (SELECT ${batch}.data_count::numeric * t.minimum_amount_cents * coalesce((t.quality->'overlap'->>'max')::int, 1) AS x,
                  coalesce((t.quality->>'gold_rate')::numeric, 0) AS rate
             FROM tasks t WHERE t.guild_id = ${batch}.guild_id) c)`;
