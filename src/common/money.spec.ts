import { formatCents, money, toCents } from './money';

describe('money', () => {
  it('formats integer cents as dollars', () => {
    expect(formatCents(0)).toBe('$0.00');
    expect(formatCents(5)).toBe('$0.05');
    expect(formatCents(500)).toBe('$5.00');
    expect(formatCents(123456789)).toBe('$1,234,567.89');
    expect(formatCents(-1234)).toBe('-$12.34');
  });
  it('refuses non-integers', () => {
    expect(() => formatCents(1.5)).toThrow();
    expect(() => toCents('9007199254740993')).toThrow();
  });
  it('renders both wire fields', () => {
    expect(money('cost', 600)).toEqual({ cost: '$6.00', cost_cents: 600 });
  });
});
