import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { conflict, paymentRequired } from '../common/errors';
import { inTransaction } from '../database/transaction';
import { CardChargeRow, CardService } from './card.service';
import { balanceOf, ensureEscrow, ensureWallet, LedgerEntryView, lockForDebit, post } from './ledger.repository';

export type { LedgerEntryView } from './ledger.repository';
export { isInsufficientFunds } from './ledger.repository';

export interface BatchPayment {
  payerUserId: string;
  guildId: string;
  /** the batch paid for: the ledger transaction names it */
  batchId: string;
  amountCents: number;
  /** what is paid for, e.g. `batch:12`; the basis of every idempotency key of this payment */
  purposeKey: string;
}

/** The two accounts of a payment (fundPayment makes sure they exist). */
export interface PaymentAccounts {
  walletId: string;
  escrowId: string;
}

export interface Reward {
  guildId: string;
  memberUserId: string;
  amountCents: number;
  businessKey: string;
  batchId?: string;
}

export interface Refund {
  guildId: string;
  requesterUserId: string;
  amountCents: number;
  businessKey: string;
  batchId?: string;
}

/** How often a payment starts over (fundPayment, then debitPayment) when the wallet was drained between the charge and the debit. */
export const PAY_ATTEMPTS = 3;

/** The 402 of a payment whose wallet was drained between its charge and its debit PAY_ATTEMPTS times. */
export const walletDrained = () =>
  paymentRequired('The wallet balance changed while paying; the charged amount is in the wallet, retry to pay', { code: 'insufficient_balance' });

/**
 * The money API the other modules call. All amounts are integer cents. See docs/money.md.
 */
@Injectable()
export class MoneyService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cards: CardService,
  ) {}

  /**
   * Paying for something from the payer's wallet in the guild into the guild's escrow is two
   * steps; the caller (batches/pay-batch.usecase.ts) runs them in order and starts over from the
   * first when the second finds the wallet drained (isInsufficientFunds), at most PAY_ATTEMPTS times.
   *
   * Step 1, fundPayment, in its own committed transactions: the wallet and escrow exist; in one
   * consistent snapshot the wallet balance, whether `${purposeKey}:payment` already happened, and
   * the card charges of this purpose; a shortfall > 0 is charged to the card (see
   * CardService.chargeShortfall) and booked as a Fiat Credit.
   */
  async fundPayment(p: BatchPayment): Promise<PaymentAccounts> {
    if (!Number.isSafeInteger(p.amountCents) || p.amountCents < 0) throw new Error(`invalid amount: ${p.amountCents}`);
    const accounts = await inTransaction(this.db, async (em) => ({
      walletId: await ensureWallet(em, p.guildId, p.payerUserId),
      escrowId: await ensureEscrow(em, p.guildId),
    }));
    if (p.amountCents === 0) return accounts;
    const snap = await this.db.transaction('REPEATABLE READ', async (em) => {
      const balance = await balanceOf(em, accounts.walletId);
      const paid: unknown[] = await em.query(`SELECT 1 FROM ledger_transactions WHERE business_key = $1`, [paymentKey(p)]);
      const charges: CardChargeRow[] = await em.query(`SELECT * FROM card_charges WHERE user_id = $1 AND purpose_key LIKE $2 ORDER BY id`, [
        p.payerUserId,
        `${escapeLike(p.purposeKey)}:charge:%`,
      ]);
      return { balance, paid: paid.length > 0, charges };
    });
    const shortfall = p.amountCents - snap.balance;
    if (!snap.paid && shortfall > 0) {
      await this.cards.chargeShortfall({
        userId: p.payerUserId,
        guildId: p.guildId,
        purposeKey: p.purposeKey,
        shortfallCents: shortfall,
        charges: snap.charges,
      });
    }
    return accounts;
  }

  /**
   * Step 2, in the caller's transaction: the Guild Debit wallet → escrow (business key
   * `${purposeKey}:payment`). Returns the payer wallet's entry; a 409 when it was paid before.
   * The wallet is debited under the lock rule (lockForDebit: its head row locked, Σ shards read):
   * a wallet drained since step 1 fails with InsufficientFundsError (isInsufficientFunds).
   */
  async debitPayment(em: EntityManager, p: BatchPayment, accounts: PaymentAccounts): Promise<LedgerEntryView> {
    if (p.amountCents > 0) await lockForDebit(em, accounts.walletId, p.amountCents);
    const posted = await post(em, {
      kind: 'batch_payment',
      businessKey: paymentKey(p),
      batchId: p.batchId,
      from: accounts.walletId,
      to: accounts.escrowId,
      amountCents: p.amountCents,
      currency: 'Guild',
    });
    if (!posted) throw conflict(`${p.purposeKey} has already been paid`);
    const entry = posted.entries.get(accounts.walletId);
    if (entry) return entry;
    // A zero amount moves nothing and has no entries: the view names the ledger transaction.
    return {
      id: posted.ledgerTransactionId,
      accountId: accounts.walletId,
      ledgerTransactionId: posted.ledgerTransactionId,
      type: 'Guild Debit',
      amountCents: 0,
      created: new Date(),
      kind: 'batch_payment',
      batchId: p.batchId,
    };
  }

  /**
   * Step 2 of a payment to a member (a bonus, an approved appeal: API.md §12.3, §12.4), in the
   * caller's transaction, after fundPayment(p): the Guild Debit from the payer's wallet straight
   * to the member's wallet in the guild (a Guild Credit there), business key
   * `${purposeKey}:payment`, kind `kind`, naming p.batchId. The payer's wallet is debited under the
   * lock rule, as debitPayment does: drained since step 1 → InsufficientFundsError
   * (isInsufficientFunds; the caller starts over, at most PAY_ATTEMPTS times). Returns the payer
   * wallet's entry; a 409 when the key was used before. The amount must be > 0.
   */
  async payMember(em: EntityManager, p: BatchPayment, accounts: PaymentAccounts, memberUserId: string, kind: 'bonus' | 'appeal'): Promise<LedgerEntryView> {
    if (!Number.isSafeInteger(p.amountCents) || p.amountCents <= 0) throw new Error(`invalid amount: ${p.amountCents}`);
    const memberWallet = await ensureWallet(em, p.guildId, memberUserId);
    await lockForDebit(em, accounts.walletId, p.amountCents);
    const posted = await post(em, {
      kind,
      businessKey: paymentKey(p),
      batchId: p.batchId,
      from: accounts.walletId,
      to: memberWallet,
      amountCents: p.amountCents,
      currency: 'Guild',
    });
    if (!posted) throw conflict(`${p.purposeKey} has already been paid`);
    return posted.entries.get(accounts.walletId)!;
  }

  /** Escrow → the member's wallet ('Guild Credit' on the wallet). A second call with the same key is a no-op. */
  async reward(em: EntityManager, r: Reward): Promise<void> {
    await this.fromEscrow(em, 'reward', r.guildId, r.memberUserId, r.amountCents, r.businessKey, r.batchId);
  }

  /** Escrow → the requester's wallet ('Guild Credit' on the wallet). A second call with the same key is a no-op. */
  async refund(em: EntityManager, r: Refund): Promise<void> {
    await this.fromEscrow(em, 'refund', r.guildId, r.requesterUserId, r.amountCents, r.businessKey, r.batchId);
  }

  private async fromEscrow(
    em: EntityManager,
    kind: 'reward' | 'refund',
    guildId: string,
    userId: string,
    amountCents: number,
    businessKey: string,
    batchId?: string,
  ) {
    if (!Number.isSafeInteger(amountCents) || amountCents < 0) throw new Error(`invalid amount: ${amountCents}`);
    if (amountCents === 0) return;
    const escrow = await ensureEscrow(em, guildId);
    const wallet = await ensureWallet(em, guildId, userId);
    await post(em, { kind, businessKey, batchId: batchId ?? null, from: escrow, to: wallet, amountCents, currency: 'Guild' });
  }
}

function paymentKey(p: BatchPayment): string {
  return `${p.purposeKey}:payment`;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
