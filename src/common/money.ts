import { ValueTransformer } from 'typeorm';
import { invalidField } from './errors';

/** 500 → "$5.00", -1234 → "-$12.34". Integer arithmetic only: money never touches a float. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new Error(`not an integer amount of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.trunc(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

/** Renders an amount the way the contract does everywhere: `{name: "$5.00", name_cents: 500}`. */
export function money<K extends string>(name: K, cents: number): Record<K, string> & Record<`${K}_cents`, number> {
  return { [name]: formatCents(cents), [`${name}_cents`]: cents } as Record<K, string> & Record<`${K}_cents`, number>;
}

/** pg returns bigint as a string; cents fit a JS safe integer, so convert at the column. */
export const centsColumn: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null ? null : toCents(v)),
};

export function toCents(v: string | number | bigint): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`amount out of range: ${v}`);
  return n;
}

/**
 * data × price per datum, refused with a 422 on `field` when it would not be an exact integer of
 * cents in JavaScript (over 2^53 − 1): such a cost must never be stored, or every read of the
 * batch, the batch list and pay would fail on it (issue 13).
 */
export function checkedCost(dataCount: number, priceCents: number, field: string): number {
  const cost = dataCount * priceCents;
  if (!Number.isSafeInteger(cost)) {
    throw invalidField(
      field,
      `would make the batch cost ${dataCount} × ${priceCents} cents, more than the largest amount this server handles (${Number.MAX_SAFE_INTEGER} cents)`,
    );
  }
  return cost;
}
