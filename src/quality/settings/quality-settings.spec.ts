import { ApiError } from '../../common/errors';
import { frozenAtPay, parseQualitySettings, reservedAnswers } from './quality-settings';

function details(input: unknown) {
  try {
    parseQualitySettings(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).getStatus()).toBe(422);
    return (e as ApiError).details;
  }
  throw new Error('expected a 422');
}

describe('the quality object (§11, §11.6)', () => {
  it('fills every default', () => {
    expect(parseQualitySettings({})).toEqual({
      answer: null,
      labels: null,
      overlap: { min: 1, max: 1, confidence: 0.95 },
      aggregation: 'majority',
      gold_rate: 0,
      qualification: { gold: 0, min_accuracy: 0.8 },
      min_quality: null,
      review: { mode: 'auto', auto_approve_after: 259200 },
      auto_reject: [],
    });
    // labels make dawid_skene the default; overlap with only min is fixed overlap
    const q = parseQualitySettings({ answer: 'label', labels: ['cat', 'dog'], overlap: { min: 3 } });
    expect(q.aggregation).toBe('dawid_skene');
    expect(q.overlap).toEqual({ min: 3, max: 3, confidence: 0.95 });
  });

  it("keeps the contract's example as given", () => {
    const example = {
      answer: 'label',
      labels: ['cat', 'dog', 'other'],
      overlap: { min: 1, max: 5, confidence: 0.95 },
      aggregation: 'dawid_skene',
      gold_rate: 0.1,
      qualification: { gold: 5, min_accuracy: 0.8 },
      min_quality: 0.7,
      review: { mode: 'manual', auto_approve_after: 259200 },
      auto_reject: ['gold_mismatch'],
    };
    expect(parseQualitySettings(example)).toEqual(example);
  });

  it('checks every bound with the field path', () => {
    expect(details({ answer: 'a', overlap: { min: 0, max: 21, confidence: 0.4 } })).toEqual([
      { field: 'quality.overlap.min', message: 'must be between 1 and 20' },
      { field: 'quality.overlap.max', message: 'must be between 1 and 20' },
      { field: 'quality.overlap.confidence', message: 'must be between 0.5 and 0.999' },
    ]);
    expect(details({ answer: 'a', overlap: { min: 4, max: 3 } })).toEqual([{ field: 'quality.overlap.min', message: 'must not exceed overlap.max (3)' }]);
    expect(details({ overlap: { min: 1.5, confidence: 1 } })).toEqual([
      { field: 'quality.overlap.min', message: 'must be an integer' },
      { field: 'quality.overlap.confidence', message: 'must be between 0.5 and 0.999' },
    ]);
    expect(details({ gold_rate: 0.51 })).toEqual([{ field: 'quality.gold_rate', message: 'must be between 0 and 0.5' }]);
    expect(details({ gold_rate: '0.1' })).toEqual([{ field: 'quality.gold_rate', message: 'must be a number' }]);
    expect(details({ gold_rate: 0.1234567 })).toEqual([{ field: 'quality.gold_rate', message: 'must have at most six decimals' }]);
    expect(details({ qualification: { gold: 51, min_accuracy: 1.1 } })).toEqual([
      { field: 'quality.qualification.gold', message: 'must be between 0 and 50' },
      { field: 'quality.qualification.min_accuracy', message: 'must be between 0 and 1' },
    ]);
    expect(details({ min_quality: -0.1 })).toEqual([{ field: 'quality.min_quality', message: 'must be between 0 and 1' }]);
    expect(details({ review: { mode: 'sometimes', auto_approve_after: 59 } })).toEqual([
      { field: 'quality.review.mode', message: 'must be one of: auto, manual' },
      { field: 'quality.review.auto_approve_after', message: 'must be between 60 and 2592000' },
    ]);
    expect(details({ aggregation: 'average' })).toEqual([{ field: 'quality.aggregation', message: 'must be one of: majority, dawid_skene' }]);
  });

  it('checks labels: 2–100 strings of 1–200 characters, matched exactly, never twice', () => {
    expect(details({ answer: 'l', labels: ['only'] })).toEqual([{ field: 'quality.labels', message: 'must list 2 to 100 labels' }]);
    expect(details({ answer: 'l', labels: Array.from({ length: 101 }, (_v, i) => `l${i}`) })).toEqual([
      { field: 'quality.labels', message: 'must list 2 to 100 labels' },
    ]);
    expect(details({ answer: 'l', labels: ['cat', '', 'x'.repeat(201), 7, 'cat'] })).toEqual([
      { field: 'quality.labels[1]', message: 'must be 1 to 200 characters' },
      { field: 'quality.labels[2]', message: 'must be 1 to 200 characters' },
      { field: 'quality.labels[3]', message: 'must be a string' },
      { field: 'quality.labels[4]', message: 'is listed twice' },
    ]);
    expect(details({ answer: 'l', labels: ['a\u0000', '\ud800'] })).toEqual([
      { field: 'quality.labels[0]', message: expect.stringContaining('cannot be stored') },
      { field: 'quality.labels[1]', message: expect.stringContaining('cannot be stored') },
    ]);
    // a surrogate pair (an emoji) is ordinary text
    expect(parseQualitySettings({ answer: 'l', labels: ['🐱', '🐶'] }).labels).toEqual(['🐱', '🐶']);
    // no trimming or case folding
    expect(parseQualitySettings({ answer: 'l', labels: ['Cat', 'cat', ' cat'] }).labels).toEqual(['Cat', 'cat', ' cat']);
  });

  it('needs `answer` for labels and for overlap.max > 1, labels for dawid_skene, manual review for consensus', () => {
    expect(details({ labels: ['a', 'b'] })).toEqual([{ field: 'quality.answer', message: expect.stringContaining('is required when labels are given') }]);
    expect(details({ overlap: { min: 1, max: 3 } })).toEqual([
      { field: 'quality.answer', message: expect.stringContaining('is required when overlap.max is more than 1') },
    ]);
    expect(details({ answer: 'text', aggregation: 'dawid_skene' })).toEqual([{ field: 'quality.aggregation', message: 'dawid_skene needs labels' }]);
    expect(details({ answer: 'text!' })).toEqual([{ field: 'quality.answer', message: expect.stringContaining('parameter name') }]);
    expect(details({ auto_reject: ['consensus'] })).toEqual([{ field: 'quality.auto_reject[0]', message: 'consensus needs review.mode "manual"' }]);
    expect(details({ auto_reject: ['gold_mismatch', 'gold_mismatch', 'vibes'] })).toEqual([
      { field: 'quality.auto_reject[1]', message: 'is listed twice' },
      { field: 'quality.auto_reject[2]', message: 'must be one of: gold_mismatch, consensus' },
    ]);
    expect(parseQualitySettings({ review: { mode: 'manual' }, auto_reject: ['consensus', 'gold_mismatch'] }).auto_reject).toEqual([
      'consensus',
      'gold_mismatch',
    ]);
    // free-text answers combine by majority (exact match)
    expect(parseQualitySettings({ answer: 'transcript', overlap: { min: 2, max: 3 } }).aggregation).toBe('majority');
  });

  it('refuses unknown fields and non-objects', () => {
    expect(details({ overlap: { min: 1, maximum: 2 }, extra: 1 })).toEqual([
      { field: 'quality.extra', message: 'is not a permitted field' },
      { field: 'quality.overlap.maximum', message: 'is not a permitted field' },
    ]);
    expect(details([])).toEqual([{ field: 'quality', message: 'must be an object' }]);
    expect(details('x')).toEqual([{ field: 'quality', message: 'must be an object' }]);
    expect(details({ overlap: 3 })).toEqual([{ field: 'quality.overlap', message: 'must be an object' }]);
  });

  it('snapshots what is frozen at pay', () => {
    const q = parseQualitySettings({ answer: 'l', labels: ['a', 'b'], overlap: { min: 1, max: 5 }, gold_rate: 0.1, min_quality: 0.7 });
    const frozen = frozenAtPay(q)!;
    expect(frozen).toEqual({
      answer: 'l',
      labels: ['a', 'b'],
      overlap: { min: 1, max: 5, confidence: 0.95 },
      aggregation: 'dawid_skene',
      review: { mode: 'auto', auto_approve_after: 259200 },
    });
    q.labels!.push('c');
    expect(frozen.labels).toEqual(['a', 'b']);
    expect(frozenAtPay(null)).toBeNull();
    expect(reservedAnswers(q)).toBe(5);
    expect(reservedAnswers(null)).toBe(1);
  });
});
