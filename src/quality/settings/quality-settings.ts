import { ErrorDetail, invalid } from '../../common/errors';
import { rateToPpm } from '../rules/cost';

/**
 * A task's `quality` object (API.md §11, bounds and defaults of §11.6), parsed by hand rather than
 * by nested DTO classes: its rules cross fields (min ≤ max, `labels` needs `answer`, `consensus`
 * needs manual review, `dawid_skene` needs `labels`), and every failure must name its path
 * (`quality.overlap.min`) in one 422 that lists them all.
 *
 * Stored normalised (every key present, defaults filled) in `tasks.quality` (jsonb); presented
 * as stored. A task without a quality object has `quality: null` and behaves as §7 says.
 */

export const AGGREGATIONS = ['majority', 'dawid_skene'] as const;
export const REVIEW_MODES = ['auto', 'manual'] as const;
export const AUTO_REJECT = ['gold_mismatch', 'consensus'] as const;

export interface QualitySettings {
  answer: string | null;
  labels: string[] | null;
  overlap: { min: number; max: number; confidence: number };
  aggregation: (typeof AGGREGATIONS)[number];
  gold_rate: number;
  qualification: { gold: number; min_accuracy: number };
  min_quality: number | null;
  review: { mode: (typeof REVIEW_MODES)[number]; auto_approve_after: number };
  auto_reject: Array<(typeof AUTO_REJECT)[number]>;
}

/** What a batch is paid under: fixed at pay (§11.6). The rest applies to claims as it changes. */
export type FrozenQuality = Pick<QualitySettings, 'answer' | 'labels' | 'overlap' | 'aggregation' | 'review'>;

export const DEFAULT_OVERLAP = { min: 1, max: 1, confidence: 0.95 } as const;
export const DEFAULT_AUTO_APPROVE_AFTER = 3 * 24 * 3600;
const MIN_AUTO_APPROVE_AFTER = 60;
const MAX_AUTO_APPROVE_AFTER = 30 * 24 * 3600;
/** the same rule as a guild's input_parameters: the answer names a datum parameter */
const PARAM_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** U+0000 and unpaired surrogates cannot be stored by PostgreSQL (API.md §1.2). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (s: string) => !s.includes('\u0000') && !LONE_SURROGATE.test(s);

class Checker {
  readonly details: ErrorDetail[] = [];
  fail(field: string, message: string): undefined {
    this.details.push({ field, message });
    return undefined;
  }

  /** Unknown keys are a 422, as the DTO validator does for the rest of a body. */
  keys(field: string, o: Record<string, unknown>, allowed: readonly string[]) {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(`${field}.${k}`, 'is not a permitted field');
  }

  object(field: string, v: unknown): Record<string, unknown> | undefined {
    if (v === undefined) return undefined;
    return isObject(v) ? v : this.fail(field, 'must be an object');
  }

  int(field: string, v: unknown, min: number, max: number): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.fail(field, 'must be an integer');
    if (v < min || v > max) return this.fail(field, `must be between ${min} and ${max}`);
    return v;
  }

  number(field: string, v: unknown, min: number, max: number): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(field, 'must be a number');
    if (v < min || v > max) return this.fail(field, `must be between ${min} and ${max}`);
    return v;
  }

  text(field: string, v: unknown, maxLength: number): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return this.fail(field, 'must be a string');
    if (!storable(v)) return this.fail(field, 'contains characters that cannot be stored (U+0000 or an unpaired surrogate)');
    if (v.length < 1 || v.length > maxLength) return this.fail(field, `must be 1 to ${maxLength} characters`);
    return v;
  }

  oneOf<T extends string>(field: string, v: unknown, values: readonly T[]): T | undefined {
    if (v === undefined) return undefined;
    return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : this.fail(field, `must be one of: ${values.join(', ')}`);
  }
}

/**
 * Parses a `quality` object from a request body into the normalised settings, or throws one 422
 * listing every problem. `field` is the path prefix used in the details.
 */
export function parseQualitySettings(input: unknown, field = 'quality'): QualitySettings {
  const c = new Checker();
  const o = c.object(field, input);
  if (!o) throw invalid(`${field} must be an object`, c.details.length ? c.details : [{ field, message: 'must be an object' }]);
  c.keys(field, o, ['answer', 'labels', 'overlap', 'aggregation', 'gold_rate', 'qualification', 'min_quality', 'review', 'auto_reject']);

  const answerGiven = o.answer !== undefined && o.answer !== null;
  const labelsGiven = o.labels !== undefined && o.labels !== null;
  let answer: string | null = null;
  if (answerGiven) {
    const a = c.text(`${field}.answer`, o.answer, 100);
    if (a !== undefined && !PARAM_NAME.test(a)) c.fail(`${field}.answer`, 'must be a parameter name (letters, digits, _ . -)');
    else if (a !== undefined) answer = a;
  }

  let labels: string[] | null = null;
  if (labelsGiven) {
    if (!Array.isArray(o.labels)) c.fail(`${field}.labels`, 'must be an array of strings');
    else if (o.labels.length < 2 || o.labels.length > 100) c.fail(`${field}.labels`, 'must list 2 to 100 labels');
    else {
      const seen = new Set<string>();
      const parsed: string[] = [];
      o.labels.forEach((l, i) => {
        const v = c.text(`${field}.labels[${i}]`, l, 200);
        if (v === undefined) return;
        // matched exactly (§11.6): "Cat" and "cat" are two labels, " cat" a third
        if (seen.has(v)) c.fail(`${field}.labels[${i}]`, 'is listed twice');
        seen.add(v);
        parsed.push(v);
      });
      if (parsed.length === o.labels.length) labels = parsed;
    }
    if (!answerGiven) c.fail(`${field}.answer`, 'is required when labels are given (it names the parameter the labels are for)');
  }

  const ov = c.object(`${field}.overlap`, o.overlap === null ? undefined : o.overlap);
  if (ov) c.keys(`${field}.overlap`, ov, ['min', 'max', 'confidence']);
  const min = c.int(`${field}.overlap.min`, ov?.min, 1, 20) ?? (ov?.min === undefined ? DEFAULT_OVERLAP.min : undefined);
  // an overlap given with only `min` means fixed overlap at min, not a 422 for min > max = 1
  const max = c.int(`${field}.overlap.max`, ov?.max, 1, 20) ?? (ov?.max === undefined ? Math.max(min ?? 1, DEFAULT_OVERLAP.max) : undefined);
  const confidence = c.number(`${field}.overlap.confidence`, ov?.confidence, 0.5, 0.999) ?? DEFAULT_OVERLAP.confidence;
  if (min !== undefined && max !== undefined && min > max) c.fail(`${field}.overlap.min`, `must not exceed overlap.max (${max})`);
  if (max !== undefined && max > 1 && !answerGiven && !labelsGiven) {
    c.fail(`${field}.answer`, 'is required when overlap.max is more than 1 (it names the parameter whose answers are combined)');
  }

  const aggregation = c.oneOf(`${field}.aggregation`, o.aggregation ?? undefined, AGGREGATIONS) ?? (labels ? 'dawid_skene' : 'majority');
  if (aggregation === 'dawid_skene' && !labelsGiven) c.fail(`${field}.aggregation`, 'dawid_skene needs labels');

  let goldRate = 0;
  if (o.gold_rate !== undefined && o.gold_rate !== null) {
    const r = c.number(`${field}.gold_rate`, o.gold_rate, 0, 0.5);
    if (r !== undefined) {
      try {
        rateToPpm(r);
        goldRate = r;
      } catch {
        c.fail(`${field}.gold_rate`, 'must have at most six decimals');
      }
    }
  }

  const q = c.object(`${field}.qualification`, o.qualification === null ? undefined : o.qualification);
  if (q) c.keys(`${field}.qualification`, q, ['gold', 'min_accuracy']);
  const qualification = {
    gold: c.int(`${field}.qualification.gold`, q?.gold, 0, 50) ?? 0,
    min_accuracy: c.number(`${field}.qualification.min_accuracy`, q?.min_accuracy, 0, 1) ?? 0.8,
  };

  const minQuality = o.min_quality === undefined || o.min_quality === null ? null : (c.number(`${field}.min_quality`, o.min_quality, 0, 1) ?? null);

  const rv = c.object(`${field}.review`, o.review === null ? undefined : o.review);
  if (rv) c.keys(`${field}.review`, rv, ['mode', 'auto_approve_after']);
  const review = {
    mode: c.oneOf(`${field}.review.mode`, rv?.mode, REVIEW_MODES) ?? 'auto',
    auto_approve_after:
      c.int(`${field}.review.auto_approve_after`, rv?.auto_approve_after, MIN_AUTO_APPROVE_AFTER, MAX_AUTO_APPROVE_AFTER) ?? DEFAULT_AUTO_APPROVE_AFTER,
  };

  const autoReject: QualitySettings['auto_reject'] = [];
  if (o.auto_reject !== undefined && o.auto_reject !== null) {
    if (!Array.isArray(o.auto_reject)) c.fail(`${field}.auto_reject`, 'must be an array');
    else {
      o.auto_reject.forEach((r, i) => {
        const v = c.oneOf(`${field}.auto_reject[${i}]`, r, AUTO_REJECT);
        if (v === undefined) return;
        if (autoReject.includes(v)) c.fail(`${field}.auto_reject[${i}]`, 'is listed twice');
        else if (v === 'consensus' && review.mode !== 'manual') c.fail(`${field}.auto_reject[${i}]`, 'consensus needs review.mode "manual"');
        else autoReject.push(v);
      });
    }
  }

  if (c.details.length) throw invalid(`${c.details[0].field} ${c.details[0].message}`, c.details);
  return {
    answer,
    labels,
    overlap: { min: min!, max: max!, confidence },
    aggregation,
    gold_rate: goldRate,
    qualification,
    min_quality: minQuality,
    review,
    auto_reject: autoReject,
  };
}

/** The part of the settings a batch is paid under (§11.6); snapshot it when paying. */
export function frozenAtPay(q: QualitySettings | null): FrozenQuality | null {
  if (!q) return null;
  return {
    answer: q.answer,
    labels: q.labels ? [...q.labels] : null,
    overlap: { ...q.overlap },
    aggregation: q.aggregation,
    review: { ...q.review },
  };
}

/** overlap.max of a task: what its reservation multiplies by (1 without a quality object). */
export function reservedAnswers(q: Pick<QualitySettings, 'overlap'> | null): number {
  return q ? q.overlap.max : 1;
}

/**
 * The wire form of stored settings, keys in the contract's order (jsonb does not keep the order a
 * row was written in). `null` for a task without a quality object.
 */
export function presentQuality(q: QualitySettings | null) {
  if (!q) return null;
  return {
    answer: q.answer,
    labels: q.labels,
    overlap: { min: q.overlap.min, max: q.overlap.max, confidence: q.overlap.confidence },
    aggregation: q.aggregation,
    gold_rate: q.gold_rate,
    qualification: { gold: q.qualification.gold, min_accuracy: q.qualification.min_accuracy },
    min_quality: q.min_quality,
    review: { mode: q.review.mode, auto_approve_after: q.review.auto_approve_after },
    auto_reject: q.auto_reject,
  };
}
