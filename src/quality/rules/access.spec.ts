import { goldClaim, minQualityRefusal, percent, qualification, qualityScore, skill } from './access';
import { doneWithDatum } from './overlap';

describe('qualification (§11.3)', () => {
  const q = { gold: 5, minAccuracy: 0.8 };

  it('tests a new member on gold first, then decides on those answers', () => {
    expect(qualification(q, { goldAnswered: 0, goldRight: 0, unseenGold: 40 })).toEqual({ state: 'testing', remaining: 5 });
    expect(qualification(q, { goldAnswered: 3, goldRight: 3, unseenGold: 37 })).toEqual({ state: 'testing', remaining: 2 });
    expect(qualification(q, { goldAnswered: 5, goldRight: 4, unseenGold: 35 })).toEqual({ state: 'qualified' });
  });

  it("refuses with the contract's exact words", () => {
    expect(qualification(q, { goldAnswered: 5, goldRight: 3, unseenGold: 35 })).toEqual({
      state: 'failed',
      message: 'not qualified for this task: 3 of 5 control answers right (60%), 80% needed',
    });
    expect(qualification({ gold: 3, minAccuracy: 0.75 }, { goldAnswered: 3, goldRight: 2, unseenGold: 9 })).toEqual({
      state: 'failed',
      message: 'not qualified for this task: 2 of 3 control answers right (66.6%), 75% needed',
    });
  });

  it('needs only as many answers as there is unseen gold, and no gold means qualified', () => {
    expect(qualification(q, { goldAnswered: 0, goldRight: 0, unseenGold: 2 })).toEqual({ state: 'testing', remaining: 2 });
    expect(qualification(q, { goldAnswered: 2, goldRight: 2, unseenGold: 0 })).toEqual({ state: 'qualified' });
    expect(qualification(q, { goldAnswered: 0, goldRight: 0, unseenGold: 0 })).toEqual({ state: 'qualified' });
    expect(qualification({ gold: 0, minAccuracy: 0.8 }, { goldAnswered: 0, goldRight: 0, unseenGold: 10 })).toEqual({ state: 'qualified' });
  });

  it('is decided on the qualification answers only (later gold does not undo a failure)', () => {
    expect(qualification(q, { goldAnswered: 9, goldRight: 9, unseenGold: 1 }).state).toBe('qualified');
    // a failed member is never served more gold, so goldRight ≤ required holds in practice; the cap keeps the text honest
    expect(qualification(q, { goldAnswered: 5, goldRight: 3, unseenGold: 0 }).state).toBe('failed');
  });
});

describe('min_quality and skills (§11.4)', () => {
  it('applies min_quality only after 5 scored answers', () => {
    expect(minQualityRefusal(0.7, { scoredAnswers: 4, skill: 0.2 })).toBeNull();
    expect(minQualityRefusal(0.7, { scoredAnswers: 5, skill: 0.7 })).toBeNull();
    expect(minQualityRefusal(0.7, { scoredAnswers: 12, skill: 0.625 })).toBe('not qualified for this task: skill 62.5% over 12 scored answers, 70% needed');
    expect(minQualityRefusal(null, { scoredAnswers: 100, skill: 0 })).toBeNull();
  });

  it("floors the member's figure so a refusal never shows the needed share", () => {
    expect(percent(0.7999)).toBe('79.9%');
    expect(percent(0.6)).toBe('60%');
    expect(percent(1)).toBe('100%');
    expect(percent(0)).toBe('0%');
  });

  it("takes the model's figure once fitted, else gold accuracy, else none", () => {
    expect(skill({ goldAnswered: 0, goldRight: 0, model: null })).toEqual({ skill: null, scoredAnswers: 0 });
    expect(skill({ goldAnswered: 4, goldRight: 3, model: null })).toEqual({ skill: 0.75, scoredAnswers: 4 });
    expect(skill({ goldAnswered: 4, goldRight: 3, model: { accuracy: 0.9, answers: 30 } })).toEqual({ skill: 0.9, scoredAnswers: 30 });
  });

  it('weighs quality_score by scored answers over tasks with `answer`, 1.00 without weight', () => {
    expect(qualityScore([])).toBe(1);
    expect(qualityScore([{ hasAnswer: false, skill: 0.1, scoredAnswers: 100 }])).toBe(1);
    expect(qualityScore([{ hasAnswer: true, skill: null, scoredAnswers: 0 }])).toBe(1);
    // (0.9 × 30 + 0.6 × 10) / 40 = 0.825 → 0.83 (rounded to the column's two decimals)
    expect(
      qualityScore([
        { hasAnswer: true, skill: 0.9, scoredAnswers: 30 },
        { hasAnswer: true, skill: 0.6, scoredAnswers: 10 },
        { hasAnswer: false, skill: 0, scoredAnswers: 50 },
      ]),
    ).toBe(0.83);
  });
});

describe('gold serving and the overlap stop rule', () => {
  it('serves gold while testing, then at gold_rate, never without unseen gold', () => {
    expect(goldClaim(100_000, { state: 'testing', remaining: 2 }, 10, 0.99)).toBe(true);
    expect(goldClaim(100_000, { state: 'qualified' }, 10, 0.05)).toBe(true);
    expect(goldClaim(100_000, { state: 'qualified' }, 10, 0.1)).toBe(false);
    expect(goldClaim(100_000, { state: 'testing', remaining: 2 }, 0, 0)).toBe(false);
    expect(goldClaim(0, { state: 'qualified' }, 10, 0)).toBe(false);
  });

  it('stops at min with confidence, at max regardless, never on a tie before max', () => {
    const o = { min: 2, max: 5, confidence: 0.9 };
    expect(doneWithDatum(o, 1, { label: 0, confidence: 0.99, tie: false })).toBe(false);
    expect(doneWithDatum(o, 2, { label: 0, confidence: 0.95, tie: false })).toBe(true);
    expect(doneWithDatum(o, 3, { label: 0, confidence: 0.89, tie: false })).toBe(false);
    expect(doneWithDatum(o, 4, { label: 0, confidence: 0.5, tie: true })).toBe(false);
    expect(doneWithDatum(o, 5, { label: 0, confidence: 0.5, tie: true })).toBe(true);
    expect(doneWithDatum({ min: 1, max: 1, confidence: 0.95 }, 1, { label: 0, confidence: 1, tie: false })).toBe(true);
  });
});
