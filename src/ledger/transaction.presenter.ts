import { money } from '../common/money';
import { ApiVersion, nestedCollection, wireId, wireTime } from '../common/wire';
import type { PaymentMethodRow } from './card.service';
import { LedgerEntryView, LedgerKind } from './ledger.repository';

/**
 * The wire `reason` of a Transaction (API.md §11.6) for each kind of movement. A batch's payment
 * (wallet → escrow) is not in §11.6's list: it reads `payment` (docs/bonuses-and-blocks.md).
 */
export const TRANSACTION_REASONS: Record<LedgerKind, string> = {
  card_charge: 'charge',
  batch_payment: 'payment',
  reward: 'reward',
  refund: 'refund',
  payout: 'payout',
  bonus: 'bonus',
  appeal: 'appeal',
};

/** A ledger entry seen from its account: `amount_cents` is the positive magnitude, `type` says the direction. */
export function presentTransaction(entry: LedgerEntryView) {
  return {
    object: 'Transaction' as const,
    id: wireId(entry.id),
    type: entry.type,
    ...money('amount', Math.abs(entry.amountCents)),
    reason: TRANSACTION_REASONS[entry.kind],
    batch_id: entry.batchId === null ? null : wireId(entry.batchId),
    created: wireTime(entry.created),
  };
}

export interface WalletView {
  id: string;
  guildId: string;
  balanceCents: number;
  created: Date;
  updated: Date;
  /** newest first, at most 100 */
  transactions: LedgerEntryView[];
  moreTransactions: boolean;
}

export function presentWallet(w: WalletView, version: ApiVersion) {
  return {
    object: 'Wallet' as const,
    id: wireId(w.id),
    guild_id: wireId(w.guildId),
    ...money('balance', w.balanceCents),
    transactions: nestedCollection(version, `/api/wallets/${w.id}/transactions`, w.transactions.map(presentTransaction), w.moreTransactions),
    created: wireTime(w.created),
    updated: wireTime(w.updated),
  };
}

export interface PayoutRow {
  id: string;
  account_id: string;
  guild_id: string;
  user_id: string;
  amount_cents: string;
  status: 'requested' | 'approved' | 'declined';
  created: Date;
  updated: Date;
}

export function presentPayout(p: PayoutRow) {
  return {
    object: 'Payout' as const,
    id: wireId(p.id),
    wallet_id: wireId(p.account_id),
    ...money('amount', Number(p.amount_cents)),
    status: p.status,
    created: wireTime(p.created),
    updated: wireTime(p.updated),
  };
}

/** Only what identifies the card to its owner: never the Stripe ids or any other card data. */
export function presentPaymentMethod(pm: PaymentMethodRow) {
  return {
    object: 'PaymentMethod' as const,
    id: wireId(pm.id),
    brand: pm.brand,
    last4: pm.last4,
    exp_month: pm.exp_month,
    exp_year: pm.exp_year,
    created: wireTime(pm.created),
  };
}
