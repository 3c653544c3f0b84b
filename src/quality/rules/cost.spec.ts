import { batchCost, ceilPpm, ppmToRate, rateToPpm, reservationBalances, unusedGoldCents, unusedReservationCents } from './cost';

describe('reservation arithmetic (§11.6)', () => {
  it('holds rates as parts per million, refusing more than six decimals', () => {
    expect(rateToPpm(0.1)).toBe(100_000);
    expect(rateToPpm(0.5)).toBe(500_000);
    expect(rateToPpm(0)).toBe(0);
    expect(rateToPpm(0.123456)).toBe(123_456);
    expect(ppmToRate(100_000)).toBe(0.1);
    expect(() => rateToPpm(0.1234567)).toThrow(RangeError);
    expect(() => rateToPpm(-0.1)).toThrow(RangeError);
    expect(() => rateToPpm(Number.NaN)).toThrow(RangeError);
  });

  it('rounds the gold share up without floating point', () => {
    // in floats 0.07 × 100 = 7.000000000000001 and its ceil is 8; the share is exactly 7
    expect(Math.ceil(0.07 * 100)).toBe(8);
    expect(ceilPpm(100n, rateToPpm(0.07))).toBe(7n);
    expect(batchCost(20, [{ rewardCents: 5, overlapMax: 1, goldRatePpm: rateToPpm(0.07) }]).goldCents).toBe(7);
    expect(ceilPpm(30n, 100_000)).toBe(3n);
    expect(ceilPpm(31n, 100_000)).toBe(4n);
    expect(ceilPpm(0n, 100_000)).toBe(0n);
    expect(ceilPpm(1n, 1)).toBe(1n);
  });

  it('reserves data × max × reward per task plus the gold share', () => {
    // 100 data, one task at 5¢ with max 5 and gold_rate 0.1: 2,500 + 250
    expect(batchCost(100, [{ rewardCents: 5, overlapMax: 5, goldRatePpm: 100_000 }])).toEqual({ answersCents: 2500, goldCents: 250, costCents: 2750 });
    // two tasks: 3 × (1 × 500) + 3 × (3 × 7) = 1,563; gold ceil(0.15 × 63) = ceil(9.45) = 10
    expect(
      batchCost(3, [
        { rewardCents: 500, overlapMax: 1, goldRatePpm: 0 },
        { rewardCents: 7, overlapMax: 3, goldRatePpm: 150_000 },
      ]),
    ).toEqual({
      answersCents: 1563,
      goldCents: 10,
      costCents: 1573,
    });
    // no quality object anywhere: §5.1's cost
    expect(batchCost(3, [{ rewardCents: 200, overlapMax: 1, goldRatePpm: 0 }]).costCents).toBe(600);
    expect(batchCost(0, [{ rewardCents: 5, overlapMax: 5, goldRatePpm: 100_000 }]).costCents).toBe(0);
  });

  it('refuses a cost over 2^53 − 1 cents (the caller answers 422) and bad inputs', () => {
    // 10,000,000 data × 20 × $1,000,000 = 2 × 10^16 cents
    expect(() => batchCost(10_000_000, [{ rewardCents: 100_000_000, overlapMax: 20, goldRatePpm: 0 }])).toThrow(RangeError);
    expect(batchCost(100_000, [{ rewardCents: 100_000_000, overlapMax: 20, goldRatePpm: 500_000 }]).costCents).toBe(3e14);
    expect(() => batchCost(1.5, [])).toThrow(RangeError);
    expect(() => batchCost(1, [{ rewardCents: 1.5, overlapMax: 1, goldRatePpm: 0 }])).toThrow(RangeError);
    expect(() => batchCost(1, [{ rewardCents: 1, overlapMax: 0, goldRatePpm: 0 }])).toThrow(RangeError);
  });

  it('refunds the unused answers of a datum and the unused gold share', () => {
    expect(unusedReservationCents(5, 2, 7)).toBe(21);
    expect(unusedReservationCents(5, 5, 7)).toBe(0);
    expect(() => unusedReservationCents(5, 6, 7)).toThrow(RangeError);
    expect(unusedGoldCents(250, 60)).toBe(190);
    expect(() => unusedGoldCents(250, 255)).toThrow(RangeError);
  });

  it('checks that spent + refunded + held = reserved', () => {
    expect(reservationBalances({ costCents: 2750, spentCents: 1200, refundedCents: 1000, heldCents: 550 })).toBe(true);
    expect(reservationBalances({ costCents: 2750, spentCents: 1200, refundedCents: 1000, heldCents: 549 })).toBe(false);
    expect(reservationBalances({ costCents: 10, spentCents: 11, refundedCents: -1, heldCents: 0 })).toBe(false);
  });
});
