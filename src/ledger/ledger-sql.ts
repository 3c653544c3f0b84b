/**
 * Fragments of ledger SQL for statements composed elsewhere (the submit, work/work-sql.ts). The
 * ledger module owns ledger_transactions and ledger_entries; this is the only other place their
 * writing SQL is spelled, beside ledger.ts's post().
 */

/**
 * Two CTEs, `${name}_tx` and `${name}_entries`: one movement of `amount` cents (an SQL bigint
 * expression) from account `from` to account `to` ('Guild Debit' / 'Guild Credit'), under the
 * business key `businessKey`, as post() books it: a reused key moves nothing, a zero amount makes
 * no ledger transaction, and the entries go in account-id order (their balance triggers lock the
 * accounts in that order). The arguments are SQL expressions (placeholders) of the composing statement.
 */
export function guildMovementCtes(
  name: string,
  p: { kind: 'reward' | 'refund'; businessKey: string; batchId: string; amount: string; from: string; to: string },
): string {
  return `${name}_tx AS (
    INSERT INTO ledger_transactions (kind, business_key, batch_id)
    SELECT '${p.kind}', ${p.businessKey}::text, ${p.batchId}::bigint WHERE ${p.amount}::bigint > 0
    ON CONFLICT (business_key) DO NOTHING RETURNING id),
  ${name}_entries AS (
    INSERT INTO ledger_entries (ledger_transaction_id, account_id, amount_cents, type)
    SELECT tx.id, e.account_id, e.amount_cents, e.type
      FROM ${name}_tx tx CROSS JOIN (VALUES (${p.from}::bigint, -${p.amount}::bigint, 'Guild Debit'), (${p.to}::bigint, ${p.amount}::bigint, 'Guild Credit')) AS e(account_id, amount_cents, type)
     ORDER BY e.account_id)`;
}
