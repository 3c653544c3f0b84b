import { wireId, wireTime } from '../common/wire';
import { GoldRow } from './gold.repository';

/**
 * The Gold object (API.md §11.2). `accuracy` is the share of right answers among those given,
 * null until the item has been answered (gold is served once the quality integration lands).
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
