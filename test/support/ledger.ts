import { checkLedgerInvariant } from '../../src/ledger/ledger-invariant';
import type { TestServer } from './server';

/** Every e2e test that moves money ends with this: the ledger's invariants hold. */
export async function expectLedgerInvariant(server: TestServer): Promise<void> {
  const violations = await checkLedgerInvariant({ query: (text, params) => server.sql(text, params) });
  expect(violations).toEqual([]);
}
