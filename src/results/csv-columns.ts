/**
 * The CSV export's columns (API.md §13.2): the datum's parameters flattened — the guild's
 * `input_parameters` first, then the other keys sorted, nested objects as dotted paths, arrays as
 * JSON text, a key that collides with a fixed column prefixed `param.` — then the fixed columns.
 * Pure functions, unit-tested in csv-columns.spec.ts.
 */

export const RESULT_FIXED_COLUMNS = ['task_id', 'answer', 'confidence', 'answers_count'] as const;
export const ANSWER_COLUMNS = ['datum_id', 'task_id', 'member_id', 'value', 'status', 'seconds'] as const;

export interface ParameterColumn {
  /** the header cell */
  name: string;
  /** the path into the datum's parameters */
  path: string[];
}

/**
 * Orders the leaf paths found in the batch's data. An input parameter comes first even when no
 * datum holds it (every datum must, so that only happens for canceled data). Two paths that
 * print the same (a flat key "a.b" and a nested a → b) share one column; the first path with a
 * value fills it.
 */
export function parameterColumns(inputParameters: string[], paths: string[][]): ParameterColumn[][] {
  const byName = new Map<string, string[][]>();
  const add = (path: string[]) => {
    const name = path.join('.');
    const list = byName.get(name);
    if (!list) byName.set(name, [path]);
    else if (!list.some((p) => p.length === path.length && p.every((x, i) => x === path[i]))) list.push(path);
  };
  for (const k of inputParameters) add([k]);
  for (const p of paths) add(p);
  const inputs = inputParameters.map((k) => k);
  const rest = [...byName.keys()].filter((n) => !inputs.includes(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const fixed = new Set<string>(RESULT_FIXED_COLUMNS);
  return [...new Set([...inputs, ...rest])].map((name) => byName.get(name)!.map((path) => ({ name: fixed.has(name) ? `param.${name}` : name, path })));
}

/** The header row: the parameter columns then the fixed ones. */
export function headerOf(columns: ParameterColumn[][]): string[] {
  return [...columns.map((c) => c[0].name), ...RESULT_FIXED_COLUMNS];
}

/** A parameter value as CSV cell text: strings as they are, numbers and booleans as JSON, arrays and objects as JSON text, absent/null empty. */
export function cellOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function at(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The parameter cells of one datum, in column order. */
export function parameterCells(columns: ParameterColumn[][], parameters: Record<string, unknown>): string[] {
  return columns.map((paths) => {
    for (const c of paths) {
      const v = at(parameters, c.path);
      // an object where another datum has a leaf: its JSON text, like an array
      if (v !== undefined) return cellOf(v);
    }
    return '';
  });
}
