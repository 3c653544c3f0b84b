/**
 * The ledger's invariants, checked from the outside (tests, an operator's health check):
 * 1. the sum of all account balances is 0 (wallets + escrow = −world = fiat in − fiat out);
 * 2. no wallet or escrow is negative;
 * 3. every ledger transaction's entries sum to 0;
 * 4. every balance (Σ of its 8 ledger_account_shards rows) equals the sum of its account's
 *    entries, and every shard row equals the sum of the entries it took
 *    (ledger_transaction_id % 8 = shard);
 * 5. fiat in (wallet Fiat Credits) equals the succeeded card charges, and fiat out (wallet Fiat
 *    Debits) equals the approved payouts;
 * 6. every ledger entry's type agrees with its sign (Credit positive, Debit negative).
 * Returns the violations found, as readable strings; an empty list means the ledger is sound.
 * Balances are read through the `ledger_accounts` view (balance_cents = Σ shards). Every check is
 * a plain SELECT over committed rows, so it can run while the server is under load: an entry and
 * the shard update of its trigger commit together.
 */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

async function rows<T>(q: Queryable, text: string): Promise<T[]> {
  const r = await q.query(text);
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
}

export async function checkLedgerInvariant(q: Queryable): Promise<string[]> {
  const out: string[] = [];
  const [total] = await rows<{ total: string }>(q, `SELECT coalesce(sum(balance_cents), 0)::text AS total FROM ledger_accounts`);
  if (BigInt(total.total) !== 0n) out.push(`sum of all account balances is ${total.total}, not 0`);

  for (const r of await rows<{ id: string; kind: string; balance_cents: string }>(
    q,
    `SELECT id, kind, balance_cents FROM ledger_accounts WHERE kind <> 'world' AND balance_cents < 0`,
  )) {
    out.push(`${r.kind} account ${r.id} is negative: ${r.balance_cents}`);
  }

  for (const r of await rows<{ id: string; total: string }>(
    q,
    `SELECT ledger_transaction_id AS id, sum(amount_cents)::text AS total FROM ledger_entries GROUP BY ledger_transaction_id HAVING sum(amount_cents) <> 0`,
  )) {
    out.push(`ledger transaction ${r.id} does not balance: ${r.total}`);
  }

  for (const r of await rows<{ account_id: string; shard: string; balance_cents: string; entries: string }>(
    q,
    `SELECT account_id, shard::text, s.balance_cents::text, coalesce(e.total, 0)::text AS entries
       FROM ledger_account_shards s
       FULL JOIN (SELECT account_id, (ledger_transaction_id % 8)::smallint AS shard, sum(amount_cents) AS total
                    FROM ledger_entries GROUP BY 1, 2) e USING (account_id, shard)
      WHERE coalesce(s.balance_cents, 0) <> coalesce(e.total, 0)`,
  )) {
    out.push(`account ${r.account_id} shard ${r.shard} holds ${r.balance_cents ?? 'no row'}, but its entries sum to ${r.entries}`);
  }

  for (const r of await rows<{ id: string; balance_cents: string; entries: string }>(
    q,
    `SELECT a.id, a.balance_cents::text, coalesce(sum(e.amount_cents), 0)::text AS entries
       FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
      GROUP BY a.id, a.balance_cents HAVING a.balance_cents <> coalesce(sum(e.amount_cents), 0)`,
  )) {
    out.push(`account ${r.id} balance ${r.balance_cents} differs from the sum of its entries ${r.entries}`);
  }

  const [fiat] = await rows<{ fiat_in: string; fiat_out: string; world: string; charged: string; paid_out: string; wallets_escrow: string }>(
    q,
    `SELECT
       (SELECT coalesce(sum(e.amount_cents), 0) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE a.kind = 'wallet' AND e.type = 'Fiat Credit')::text AS fiat_in,
       (SELECT coalesce(-sum(e.amount_cents), 0) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
         WHERE a.kind = 'wallet' AND e.type = 'Fiat Debit')::text AS fiat_out,
       (SELECT coalesce(sum(balance_cents), 0) FROM ledger_accounts WHERE kind = 'world')::text AS world,
       (SELECT coalesce(sum(balance_cents), 0) FROM ledger_accounts WHERE kind <> 'world')::text AS wallets_escrow,
       (SELECT coalesce(sum(amount_cents), 0) FROM card_charges WHERE status = 'succeeded')::text AS charged,
       (SELECT coalesce(sum(amount_cents), 0) FROM payouts WHERE status = 'approved')::text AS paid_out`,
  );
  const net = BigInt(fiat.fiat_in) - BigInt(fiat.fiat_out);
  if (BigInt(fiat.wallets_escrow) !== net) out.push(`wallets + escrow = ${fiat.wallets_escrow}, but fiat in − fiat out = ${net}`);
  if (BigInt(fiat.world) !== -net) out.push(`world balance ${fiat.world} is not −(fiat in − fiat out) = ${-net}`);
  if (fiat.fiat_in !== fiat.charged) out.push(`fiat in ${fiat.fiat_in} differs from succeeded card charges ${fiat.charged}`);
  if (fiat.fiat_out !== fiat.paid_out) out.push(`fiat out ${fiat.fiat_out} differs from approved payouts ${fiat.paid_out}`);

  for (const r of await rows<{ id: string; type: string; amount_cents: string }>(
    q,
    `SELECT id, type, amount_cents::text FROM ledger_entries
      WHERE (type LIKE '% Credit' AND amount_cents < 0) OR (type LIKE '% Debit' AND amount_cents > 0)`,
  )) {
    out.push(`entry ${r.id} of type ${r.type} has amount ${r.amount_cents}`);
  }
  return out;
}
