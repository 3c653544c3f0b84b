import { checkLedgerInvariant } from '../../src/ledger/ledger-invariant';
import type { Query } from './export-fill';

export interface Integrity {
  ok: boolean;
  /** one line for the log and the results table */
  summary: string;
  problems: string[];
}

/**
 * What must hold after every load, over the whole database (every section's work so far):
 * - no work item submitted twice (work without overlap: one answer per work item), and with answer
 *   slots (the overlap model, when its schema is there) no slot submitted twice;
 * - no member answered one datum twice at one task (overlap's distinct members; trivially true
 *   without overlap);
 * - no ledger business key twice, and one reward per submitted assignment;
 * - the project's ledger invariant (src/ledger/ledger-invariant.ts), as the tests check it.
 */
export async function checkIntegrity(q: Query): Promise<Integrity> {
  const count = async (sql: string) => Number((await q<{ n: string }>(sql))[0].n);
  const hasSlots = (await count(`SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'assignments' AND column_name = 'slot_id'`)) > 0;
  // a work item with answer slots (slot_id set) takes several answers; the others exactly one
  const doubleWork = await count(
    `SELECT count(*) AS n FROM (SELECT work_item_id FROM assignments WHERE status = 'submitted'${hasSlots ? ' AND slot_id IS NULL' : ''}
       GROUP BY work_item_id HAVING count(*) > 1) x`,
  );
  const doubleSlot = hasSlots
    ? await count(
        `SELECT count(*) AS n FROM (SELECT slot_id FROM assignments WHERE status = 'submitted' AND slot_id IS NOT NULL GROUP BY slot_id HAVING count(*) > 1) x`,
      )
    : 0;
  const doubleMember = await count(
    `SELECT count(*) AS n FROM (SELECT datum_id, task_id, member_id FROM assignments WHERE status = 'submitted'
       GROUP BY datum_id, task_id, member_id HAVING count(*) > 1) x`,
  );
  const doubleKey = await count(`SELECT count(*) AS n FROM (SELECT business_key FROM ledger_transactions GROUP BY business_key HAVING count(*) > 1) x`);
  const rewards = await count(`SELECT count(*) AS n FROM ledger_transactions WHERE kind = 'reward'`);
  const submitted = await count(`SELECT count(*) AS n FROM assignments WHERE status = 'submitted'`);
  const ledger = await checkLedgerInvariant({ query: (text: string, params?: unknown[]) => q(text, params) });

  const problems: string[] = [];
  if (doubleWork) problems.push(`${doubleWork} work items submitted twice`);
  if (doubleSlot) problems.push(`${doubleSlot} answer slots submitted twice`);
  if (doubleMember) problems.push(`${doubleMember} (datum, task, member) answered twice`);
  if (doubleKey) problems.push(`${doubleKey} duplicate business keys`);
  if (rewards !== submitted) problems.push(`${submitted} submitted assignments but ${rewards} rewards`);
  problems.push(...ledger.slice(0, 10).map((v) => `ledger: ${v}`));
  if (ledger.length > 10) problems.push(`ledger: ${ledger.length - 10} more violations`);
  const summary =
    `${submitted} submitted, ${rewards} rewards, ${doubleWork} double-submitted work items` +
    (hasSlots ? `, ${doubleSlot} double-submitted slots` : '') +
    `, ${doubleMember} member answering a datum twice at a task, ${doubleKey} duplicate business keys, ledger invariant ${ledger.length ? `${ledger.length} violations` : 'holds'}`;
  return { ok: problems.length === 0, summary, problems };
}
