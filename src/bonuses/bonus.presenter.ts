import { money } from '../common/money';
import { toCents } from '../common/money';
import { wireId, wireTime } from '../common/wire';
import { LedgerEntryView } from '../ledger/ledger.repository';
import { presentTransaction } from '../ledger/transaction.presenter';
import { BonusRow } from './bonuses.repository';

/** A bonus; `transaction` (when given) is the Guild Debit it made on the owner's wallet. */
export function presentBonus(b: BonusRow, entry?: LedgerEntryView) {
  return {
    object: 'Bonus' as const,
    id: wireId(b.id),
    submission_id: wireId(b.submission_id),
    member_id: wireId(b.member_id),
    batch_id: wireId(b.batch_id),
    ...money('amount', toCents(b.amount_cents)),
    reason: b.reason,
    ...(entry ? { transaction: presentTransaction(entry) } : {}),
    created: wireTime(b.created),
  };
}
