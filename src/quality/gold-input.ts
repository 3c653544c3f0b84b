import { normalizeDatum, Params } from '../batches/datum-input';
import { ErrorDetail, invalid, invalidField, missingParam } from '../common/errors';

/** Gold items per request: a qualification test needs tens, not thousands. */
export const MAX_GOLD_PER_REQUEST = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks `data` of POST /api/tasks/:id/gold (all-or-nothing): each item's parameters follow the
 * guild's input_parameters exactly as a batch's data do (the same checks, so a gold datum is
 * indistinguishable from a real one), and its answer is one of the task's labels, matched exactly.
 */
export function parseGoldItems(raw: unknown, inputParameters: string[], labels: string[] | null): Array<{ parameters: Params; answer: string }> {
  if (raw === undefined || raw === null) throw missingParam('data');
  if (!Array.isArray(raw)) throw invalidField('data', 'must be an array of gold items');
  if (raw.length === 0) throw invalidField('data', 'must hold at least one gold item');
  if (raw.length > MAX_GOLD_PER_REQUEST) throw invalidField('data', `holds ${raw.length} items; at most ${MAX_GOLD_PER_REQUEST} are accepted in one request`);
  if (!labels) {
    throw invalid('The task has no quality.labels: gold answers are checked against them (set quality.answer and quality.labels first)', [
      { field: 'data', message: 'needs a task with quality.labels' },
    ]);
  }
  const details: ErrorDetail[] = [];
  const out: Array<{ parameters: Params; answer: string }> = [];
  raw.forEach((item, i) => {
    const field = `data[${i}]`;
    if (!isObject(item)) {
      details.push({ field, message: 'must be an object with parameters and answer' });
      return;
    }
    for (const k of Object.keys(item)) if (k !== 'parameters' && k !== 'answer') details.push({ field: `${field}.${k}`, message: 'is not a permitted field' });
    let parameters: Params | undefined;
    if (item.parameters === undefined || item.parameters === null) details.push({ field: `${field}.parameters`, message: 'is required' });
    else parameters = normalizeDatum(item.parameters, `${field}.parameters`, inputParameters, details);
    let answer: string | undefined;
    if (item.answer === undefined || item.answer === null) details.push({ field: `${field}.answer`, message: 'is required' });
    else if (typeof item.answer !== 'string' || !labels.includes(item.answer))
      details.push({ field: `${field}.answer`, message: `must be one of the task's labels: ${labels.join(', ')}` });
    else answer = item.answer;
    if (parameters && answer !== undefined) out.push({ parameters, answer });
  });
  if (details.length) throw invalid(`${details[0].field} ${details[0].message}`, details.slice(0, 100));
  return out;
}
