/**
 * Assertions on what the Ruby client's classes read (attr_readers of Batch, Datum, Guild, Invite,
 * List, Member, Transaction, Wallet) with the types API.md gives them.
 */

type Wire = Record<string, any>;

export const ID = /^[1-9]\d*$/;
export const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const DOLLARS = /^-?\$\d+\.\d\d$/;

/** OpenGuilds::List: url, has_more, data (each through Util.object_from). */
export function expectList(v: Wire, url?: string): Wire[] {
  expect(v).toMatchObject({ object: 'List', url: url ?? expect.any(String), has_more: expect.any(Boolean), page: expect.any(Number) });
  expect(Array.isArray(v.data)).toBe(true);
  return v.data;
}

/**
 * A nested collection as the given API version renders it (API.md §1.4): a bare array by
 * default, a List under 2018-12-18. Returns the items.
 */
export function expectNested(version: string | undefined, v: unknown, url: string): Wire[] {
  if (version === undefined) {
    expect(Array.isArray(v)).toBe(true);
    return v as Wire[];
  }
  return expectList(v as Wire, url);
}

export function expectGuild(g: Wire): void {
  expect(g).toMatchObject({ object: 'Guild', id: expect.stringMatching(ID), name: expect.any(String), description: expect.any(String) });
  // Guild#price_floor / #price_floor_cents
  expect(g.price_floor).toMatch(DOLLARS);
  expect(Number.isInteger(g.price_floor_cents)).toBe(true);
}

export function expectDatum(d: Wire): void {
  expect(d).toMatchObject({ object: 'Datum', id: expect.stringMatching(ID), status: expect.any(String) });
  expect(typeof d.parameters).toBe('object');
}

export function expectBatch(b: Wire, version: string | undefined): { data: Wire[]; webhooks: Wire[] } {
  expect(b).toMatchObject({ object: 'Batch', id: expect.stringMatching(ID), status: expect.any(String), completed: expect.any(Boolean) });
  expect(Number.isInteger(b.data_count)).toBe(true);
  expect(Number.isInteger(b.data_completed_count)).toBe(true);
  expect(b.cost).toMatch(DOLLARS);
  expect(b.created).toMatch(TIME);
  const data = expectNested(version, b.data, `/api/batches/${b.id}/data`);
  data.forEach(expectDatum);
  const webhooks = expectNested(version, b.webhooks, `/api/batches/${b.id}/webhooks`);
  for (const w of webhooks) {
    expect(w).toMatchObject({ object: 'Webhook', id: expect.stringMatching(ID), destination: expect.any(String) });
    expect(w).not.toHaveProperty('secret');
  }
  return { data, webhooks };
}

export function expectTransaction(t: Wire): void {
  expect(t).toMatchObject({ object: 'Transaction', id: expect.stringMatching(ID), type: expect.any(String), amount: expect.stringMatching(DOLLARS) });
  expect(Number.isInteger(t.amount_cents)).toBe(true);
  expect(['Guild Credit', 'Guild Debit', 'Fiat Credit', 'Fiat Debit']).toContain(t.type);
}

export function expectWallet(w: Wire, version: string | undefined): Wire[] {
  expect(w).toMatchObject({ object: 'Wallet', id: expect.stringMatching(ID), balance: expect.stringMatching(DOLLARS) });
  expect(Number.isInteger(w.balance_cents)).toBe(true);
  const txs = expectNested(version, w.transactions, `/api/wallets/${w.id}/transactions`);
  txs.forEach(expectTransaction);
  return txs;
}

export function expectMember(m: Wire): void {
  expect(m).toMatchObject({ object: 'Member', id: expect.stringMatching(ID), email: expect.any(String), credit: expect.stringMatching(DOLLARS) });
  expect(typeof m.quality_score).toBe('number');
  expect(m.quality_score).toBeGreaterThanOrEqual(0);
  expect(m.quality_score).toBeLessThanOrEqual(1);
  expect(Number.isInteger(m.credit_cents)).toBe(true);
}

export function expectInvite(i: Wire): void {
  expect(i).toMatchObject({ object: 'Invite', id: expect.stringMatching(ID), email: expect.any(String), status: expect.any(String) });
}

/** Util.object_from resolves `OpenGuilds::<object>`: every object the client instantiates must name one of its classes. */
export function expectRubyClass(v: Wire, classes: string[]): void {
  expect(classes).toContain(v.object);
}
