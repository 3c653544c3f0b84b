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
 * 6. every ledger entry's type agrees with its sign (Credit positive, Debit negative);
 * 7. per paid batch (with batch_shards, docs/quality-and-scale.md B.6): its escrow entries sum to
 *    what its work still holds — (reserved − approved) × reward per unfinished work item, the
 *    reward of each claim still live on canceled work, the reward of each live gold claim it pays
 *    (gold_servings), and — while processing — its gold share minus what gold servings took;
 * 8. per work item done on slots: refunded_cents = (reserved − approved) × reward, moved by exactly
 *    one work:<id>:refund of that amount (none at 0);
 * 9. per completed batch: spent + refunded (its shards) + the rewards its live gold claims hold =
 *    cost_cents, and spent and refunded equal the batch's rewards and refunds in the ledger.
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

  for (const r of await rows<{ id: string; escrow: string; held: string }>(
    q,
    `WITH esc AS (
       SELECT t.batch_id, sum(e.amount_cents) AS net
         FROM ledger_transactions t JOIN ledger_entries e ON e.ledger_transaction_id = t.id JOIN ledger_accounts a ON a.id = e.account_id
        WHERE a.kind = 'escrow' AND t.batch_id IS NOT NULL GROUP BY t.batch_id),
     held AS (
       SELECT w.batch_id, sum(CASE
                WHEN w.status IN ('waiting', 'open', 'claimed', 'collecting') THEN (w.reserved_answers - w.approved_answers) * w.reward_cents
                WHEN w.status = 'canceled' THEN w.reward_cents * (SELECT count(*) FROM answer_slots s WHERE s.work_item_id = w.id AND s.status = 'claimed')
                ELSE 0 END) AS cents
         FROM work_items w GROUP BY w.batch_id),
     gold AS (
       SELECT b.id AS batch_id,
              -- live gold claims hold their reward; the share, while processing, what no serving took
              (SELECT coalesce(sum(gs.reward_cents), 0) FROM gold_servings gs JOIN work_items gw ON gw.id = gs.work_item_id
                WHERE gs.batch_id = b.id AND gw.status = 'collecting')
              + CASE WHEN b.status = 'processing'
                     THEN b.gold_cents - (SELECT coalesce(sum(reward_cents), 0) FROM gold_slots WHERE batch_id = b.id AND status = 'used')
                     ELSE 0 END AS cents
         FROM batches b WHERE b.cost_cents IS NOT NULL AND b.shard_count > 0)
     SELECT b.id, coalesce(esc.net, 0)::text AS escrow, (coalesce(held.cents, 0) + gold.cents)::text AS held
       FROM batches b JOIN gold ON gold.batch_id = b.id LEFT JOIN esc ON esc.batch_id = b.id LEFT JOIN held ON held.batch_id = b.id
      WHERE coalesce(esc.net, 0) <> coalesce(held.cents, 0) + gold.cents`,
  )) {
    out.push(`batch ${r.id} holds ${r.escrow} in escrow, but its work holds ${r.held}`);
  }

  for (const r of await rows<{ id: string; refunded: string | null; expected: string; moved: string; count: string }>(
    q,
    `SELECT w.id, w.refunded_cents::text AS refunded, ((w.reserved_answers - w.approved_answers) * w.reward_cents)::text AS expected,
            coalesce(m.moved, 0)::text AS moved, coalesce(m.n, 0)::text AS count
       FROM work_items w
       LEFT JOIN LATERAL (
         SELECT count(DISTINCT t.id) AS n, sum(e.amount_cents) FILTER (WHERE e.amount_cents > 0) AS moved
           FROM ledger_transactions t JOIN ledger_entries e ON e.ledger_transaction_id = t.id
          WHERE t.business_key = 'work:' || w.id || ':refund') m ON true
      WHERE w.min_answers IS NOT NULL AND w.status = 'done'
        AND (w.refunded_cents IS DISTINCT FROM (w.reserved_answers - w.approved_answers) * w.reward_cents
             OR coalesce(m.moved, 0) <> w.refunded_cents OR coalesce(m.n, 0) <> CASE WHEN w.refunded_cents > 0 THEN 1 ELSE 0 END)`,
  )) {
    out.push(`work item ${r.id} refunded ${r.refunded} (expected ${r.expected}), the ledger moved ${r.moved} in ${r.count} refunds`);
  }

  for (const r of await rows<{ id: string; cost: string; spent: string; refunded: string; rewards: string; refunds: string }>(
    q,
    `WITH sh AS (SELECT batch_id, sum(spent_cents) AS spent, sum(refunded_cents) AS refunded FROM batch_shards GROUP BY batch_id),
     lg AS (
       SELECT t.batch_id, sum(e.amount_cents) FILTER (WHERE t.kind = 'reward') AS rewards, sum(e.amount_cents) FILTER (WHERE t.kind = 'refund') AS refunds
         FROM ledger_transactions t JOIN ledger_entries e ON e.ledger_transaction_id = t.id
        WHERE e.amount_cents > 0 AND t.batch_id IS NOT NULL GROUP BY t.batch_id),
     live_gold AS (
       SELECT gs.batch_id, sum(gs.reward_cents) AS cents FROM gold_servings gs JOIN work_items gw ON gw.id = gs.work_item_id
        WHERE gw.status = 'collecting' GROUP BY gs.batch_id)
     SELECT b.id, b.cost_cents::text AS cost, coalesce(sh.spent, 0)::text AS spent, coalesce(sh.refunded, 0)::text AS refunded,
            coalesce(lg.rewards, 0)::text AS rewards, coalesce(lg.refunds, 0)::text AS refunds
       FROM batches b LEFT JOIN sh ON sh.batch_id = b.id LEFT JOIN lg ON lg.batch_id = b.id LEFT JOIN live_gold ON live_gold.batch_id = b.id
      WHERE b.status = 'completed' AND b.shard_count > 0
        AND (coalesce(sh.spent, 0) + coalesce(sh.refunded, 0) + coalesce(live_gold.cents, 0) <> b.cost_cents
             OR coalesce(sh.spent, 0) <> coalesce(lg.rewards, 0) OR coalesce(sh.refunded, 0) <> coalesce(lg.refunds, 0))`,
  )) {
    out.push(`completed batch ${r.id}: spent ${r.spent} + refunded ${r.refunded} vs cost ${r.cost}; the ledger has rewards ${r.rewards}, refunds ${r.refunds}`);
  }
  return out;
}
