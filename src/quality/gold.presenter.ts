import { wireId, wireTime } from '../common/wire';
import { GoldRow } from './gold.repository';

/**
 * The Gold object (API.md §11.2). `answers_count` counts the answers given to the item when it was
 * served (rejected ones included), `accuracy` the share of right ones among them, null until answered.
 */
export function presentGold(g: GoldRow) {
  return {
    object: 'Gold' as const,
    id: wireId(g.id),
    task_id: wireId(g.task_id),
    parameters: g.parameters,
    answer: g.answer,
    answers_count: g.answers_count,
    accuracy: g.answers_count === 0 ? null : Math.round((g.right_count / g.answers_count) * 10000) / 10000,
    created: wireTime(g.created),
  };
}
