import { confident, majority } from './majority';

describe('majority', () => {
  it('picks the most frequent label and gives its share as confidence', () => {
    expect(majority([0, 1, 1], 3)).toEqual({ label: 1, confidence: 2 / 3, tie: false });
    expect(majority([2, 2, 2, 0], 3)).toEqual({ label: 2, confidence: 0.75, tie: false });
    expect(majority([1], 2)).toEqual({ label: 1, confidence: 1, tie: false });
  });

  it('marks a tie, picks the first listed label, and a tie is never confident', () => {
    const twoWay = majority([1, 0], 2);
    expect(twoWay).toEqual({ label: 0, confidence: 0.5, tie: true });
    // 0.5 is the lowest allowed overlap.confidence: a 1–1 tie would "reach" it without the tie rule
    expect(confident(twoWay, 0.5)).toBe(false);
    const threeWay = majority([2, 1, 2, 1, 0], 3);
    expect(threeWay).toEqual({ label: 1, confidence: 0.4, tie: true });
    expect(confident(threeWay, 0.4)).toBe(false);
  });

  it('is confident only at or above the threshold', () => {
    const a = majority([1, 1, 1, 0], 2);
    expect(confident(a, 0.75)).toBe(true);
    expect(confident(a, 0.76)).toBe(false);
  });

  it('has no answer and no confidence without answers, and refuses labels out of range', () => {
    expect(majority([], 2)).toEqual({ label: -1, confidence: 0, tie: false });
    expect(confident(majority([], 2), 0.5)).toBe(false);
    expect(() => majority([2], 2)).toThrow(RangeError);
  });
});
