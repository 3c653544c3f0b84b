import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { conflict, paymentRequired } from '../common/errors';
import { toCents } from '../common/money';
import { inTransaction } from '../database/transaction';
import { CardChargeRow, CardService } from './card.service';
import { ensureEscrow, ensureWallet, isInsufficientFunds, LedgerEntryView, post } from './ledger';

export type { LedgerEntryView } from './ledger';

export interface BatchPayment {
  payerUserId: string;
  guildId: string;
  amountCents: number;
  /** what is paid for, e.g. `batch:12`; the basis of every idempotency key of this payment */
  purposeKey: string;
  /**
   * The caller's state change (lock the batch, check it is unpaid, mark it processing, open work).
   * Runs in the same database transaction as the wallet → escrow debit, after it; if it throws,
   * the debit rolls back and the error propagates.
   */
  apply(em: EntityManager): Promise<void>;
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

/** How often payForBatch starts over when the wallet was drained between the charge and the debit. */
const PAY_ATTEMPTS = 3;

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
   * Pays for something from the payer's wallet in the guild into the guild's escrow, charging the
   * payer's card for any shortfall first. Returns the payer wallet's 'Guild Debit' entry.
   *
   * 1. In one consistent snapshot: the wallet balance, whether `${purposeKey}:payment` already
   *    happened, and the card charges of this purpose.
   * 2. Shortfall > 0 → charge the card (see CardService.chargeShortfall) and book it as a
   *    Fiat Credit in its own committed transaction.
   * 3. One transaction: the Guild Debit (business key `${purposeKey}:payment`), then p.apply(em).
   *    If the payment already exists, apply() runs alone so it can throw its 409; if it does not
   *    throw, this is a 409 anyway. If the wallet was drained in between (CHECK violation), start
   *    over from 1 (a new, numbered charge), at most PAY_ATTEMPTS times.
   */
  async payForBatch(p: BatchPayment): Promise<LedgerEntryView> {
    if (!Number.isSafeInteger(p.amountCents) || p.amountCents < 0) throw new Error(`invalid amount: ${p.amountCents}`);
    const paymentKey = `${p.purposeKey}:payment`;
    const batchId = /^batch:(\d+)$/.exec(p.purposeKey)?.[1] ?? null;
    for (let attempt = 1; ; attempt++) {
      const { walletId, escrowId } = await inTransaction(this.db, async (em) => ({
        walletId: await ensureWallet(em, p.guildId, p.payerUserId),
        escrowId: await ensureEscrow(em, p.guildId),
      }));

      if (p.amountCents > 0) {
        const snap = await this.db.transaction('REPEATABLE READ', async (em) => {
          const bal: Array<{ balance_cents: string }> = await em.query(`SELECT balance_cents FROM ledger_accounts WHERE id = $1`, [walletId]);
          const paid: unknown[] = await em.query(`SELECT 1 FROM ledger_transactions WHERE business_key = $1`, [paymentKey]);
          const charges: CardChargeRow[] = await em.query(`SELECT * FROM card_charges WHERE user_id = $1 AND purpose_key LIKE $2 ORDER BY id`, [
            p.payerUserId,
            `${escapeLike(p.purposeKey)}:charge:%`,
          ]);
          return { balance: toCents(bal[0].balance_cents), paid: paid.length > 0, charges };
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
      }

      try {
        return await inTransaction(this.db, async (em) => {
          const posted = await post(em, {
            kind: 'batch_payment',
            businessKey: paymentKey,
            batchId,
            from: walletId,
            to: escrowId,
            amountCents: p.amountCents,
            currency: 'Guild',
          });
          if (!posted) {
            await p.apply(em);
            throw conflict(`${p.purposeKey} has already been paid`);
          }
          await p.apply(em);
          const entry = posted.entries.get(walletId);
          if (entry) return entry;
          // A zero amount moves nothing and has no entries: the view names the ledger transaction.
          return {
            id: posted.ledgerTransactionId,
            accountId: walletId,
            ledgerTransactionId: posted.ledgerTransactionId,
            type: 'Guild Debit',
            amountCents: 0,
            created: new Date(),
          };
        });
      } catch (err) {
        if (!isInsufficientFunds(err)) throw err;
        if (attempt >= PAY_ATTEMPTS) {
          throw paymentRequired('The wallet balance changed while paying; the charged amount is in the wallet, retry to pay', { code: 'insufficient_balance' });
        }
      }
    }
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

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
