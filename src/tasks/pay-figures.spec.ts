import { payFigures } from './pay-figures';

describe('payFigures (API.md §12.3)', () => {
  it('is null without a median', () => {
    expect(payFigures(500, null)).toEqual({ median_seconds: null, effective_hourly: null, effective_hourly_cents: null });
  });

  it('is the reward per median time, per hour, in whole cents rounded half up', () => {
    expect(payFigures(5, 60)).toEqual({ median_seconds: 60, effective_hourly: '$3.00', effective_hourly_cents: 300 });
    // 7¢ per 41 s = 614.63…¢ an hour
    expect(payFigures(7, 41)).toEqual({ median_seconds: 41, effective_hourly: '$6.15', effective_hourly_cents: 615 });
    // 1¢ per 7200 s = 0.5¢ an hour: half up
    expect(payFigures(1, 7200).effective_hourly_cents).toBe(1);
    expect(payFigures(1, 7201).effective_hourly_cents).toBe(0);
  });

  it('counts a median under one second as one second', () => {
    expect(payFigures(10, 0)).toEqual({ median_seconds: 0, effective_hourly: '$360.00', effective_hourly_cents: 36000 });
  });
});
