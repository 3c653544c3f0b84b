import { ErrorDetail, invalid, invalidField, payloadTooLarge } from '../common/errors';

/**
 * Datum parameters as requesters send them, normalised and checked. Values are scalars: strings,
 * finite numbers and booleans (a nested object, an array or null is a 422 — a datum is a flat
 * record of what the workspace reads from its URL or the worker submits from a form).
 */
export type ParamValue = string | number | boolean;
export type Params = Record<string, ParamValue>;

export const MAX_KEY_LENGTH = 255;
/** more details than this are cut: a 100,000-datum batch with one bad key everywhere would be a huge error */
const MAX_DETAILS = 100;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rails sends nested collections either as arrays or as hashes keyed "0", "1", … */
function railsList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v) && Object.keys(v).every((k) => /^\d+$/.test(k))) {
    return Object.keys(v)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => v[k]);
  }
  return undefined;
}

export function checkKey(key: string, field: string, details: ErrorDetail[]): boolean {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    details.push({ field, message: `must be a key of 1 to ${MAX_KEY_LENGTH} characters` });
    return false;
  }
  return true;
}

export function checkValue(v: unknown, field: string, details: ErrorDetail[]): v is ParamValue {
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return true;
  details.push({ field, message: 'must be a string, number or boolean' });
  return false;
}

/**
 * One datum, from either wire form: `{k: v, …}` or Rails' `{parameters_attributes: [{key, value}]}`
 * (also `{parameters: {k: v}}`). Problems are pushed to `details` under `field` (e.g. `batch.data[3]`).
 */
export function normalizeDatum(raw: unknown, field: string, inputParameters: string[], details: ErrorDetail[]): Params | undefined {
  if (!isPlainObject(raw)) {
    details.push({ field, message: 'must be an object of parameters' });
    return undefined;
  }
  let source: Record<string, unknown> = raw;
  if ('parameters_attributes' in raw) {
    const list = railsList(raw.parameters_attributes);
    if (!list) {
      details.push({ field: `${field}.parameters_attributes`, message: 'must be an array of {key, value}' });
      return undefined;
    }
    source = {};
    for (const [i, kv] of list.entries()) {
      if (!isPlainObject(kv) || typeof kv.key !== 'string') {
        details.push({ field: `${field}.parameters_attributes[${i}].key`, message: 'is required' });
        continue;
      }
      source[kv.key] = kv.value;
    }
  } else if (Object.keys(raw).length === 1 && isPlainObject(raw.parameters)) {
    source = raw.parameters;
  }
  const before = details.length;
  const out: Params = {};
  for (const [k, v] of Object.entries(source)) {
    if (!checkKey(k, `${field}.${k}`, details)) continue;
    if (checkValue(v, `${field}.${k}`, details)) out[k] = v;
  }
  for (const k of inputParameters) {
    if (!(k in source) || source[k] === '' || source[k] === null) {
      if (!details.some((d) => d.field === `${field}.${k}`)) details.push({ field: `${field}.${k}`, message: 'is required' });
    }
  }
  return details.length === before ? out : undefined;
}

/**
 * Many data (all-or-nothing): every problem of every datum is collected, and one 422 lists them
 * (the first `MAX_DETAILS`). `field` is the collection's name as the client sent it.
 */
export function normalizeData(raw: unknown, field: string, inputParameters: string[], maxData: number, opts: { allowEmpty?: boolean } = {}): Params[] {
  const list = railsList(raw);
  if (!list) throw invalidField(field, 'must be an array of data');
  if (list.length > maxData) {
    throw payloadTooLarge(`${field} holds ${list.length} data; at most ${maxData} are accepted in one request (MAX_BATCH_DATA)`);
  }
  if (list.length === 0 && !opts.allowEmpty) throw invalidField(field, 'must hold at least one datum');
  const details: ErrorDetail[] = [];
  const out: Params[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const d = normalizeDatum(list[i], `${field}[${i}]`, inputParameters, details);
    if (d) out[i] = d;
  }
  if (details.length) {
    const shown = details.slice(0, MAX_DETAILS);
    const more = details.length > MAX_DETAILS ? ` (and ${details.length - MAX_DETAILS} more problems)` : '';
    throw invalid(`${shown[0].field} ${shown[0].message}${more}`, shown);
  }
  return out;
}
