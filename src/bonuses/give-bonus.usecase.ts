import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { forbidden, invalidField, notFound } from '../common/errors';
import { inTransaction } from '../database/transaction';
import { BatchPayment, isInsufficientFunds, LedgerEntryView, MoneyService, PAY_ATTEMPTS, walletDrained } from '../ledger/money.service';
import { BonusRow, bonusTarget, BonusTargetRow, insertBonus, newBonusId } from './bonuses.repository';

/**
 * POST /api/submissions/:id/bonuses (API.md §12.4): the guild's owner pays the member who made
 * the submission `amount_cents` on top of the reward — a Guild Debit from the owner's wallet in
 * the guild and a Guild Credit to the member's wallet (one ledger transaction, kind `bonus`, the
 * submission's batch named on it), the shortfall charged to the owner's card first exactly as
 * paying a batch does (§5.5: MoneyService.fundPayment, then the debit under the wallet's lock,
 * starting over when the wallet was drained in between). Retries: the route honours
 * Idempotency-Key (the same key twice = one bonus); without a key every request is a new bonus.
 */
@Injectable()
export class GiveBonus {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly money: MoneyService,
  ) {}

  async run(caller: Caller, submissionId: string, amountCents: number, reason: string): Promise<{ bonus: BonusRow; entry: LedgerEntryView }> {
    const target = await this.target(caller, submissionId);
    const id = await newBonusId(this.ds.manager);
    const payment: BatchPayment = { payerUserId: caller.userId, guildId: target.guild_id, batchId: target.batch_id, amountCents, purposeKey: `bonus:${id}` };
    for (let attempt = 1; ; attempt++) {
      // the owner's wallet holds the amount: the card is charged for a shortfall (its own committed transactions)
      const accounts = await this.money.fundPayment(payment);
      try {
        return await inTransaction(this.ds, async (em) => {
          const entry = await this.money.payMember(em, payment, accounts, target.member_user_id, 'bonus');
          const bonus = await insertBonus(em, {
            id,
            submissionId: target.submission_id,
            guildId: target.guild_id,
            memberId: target.member_id,
            batchId: target.batch_id,
            payerUserId: caller.userId,
            amountCents,
            reason,
            ledgerTransactionId: entry.ledgerTransactionId,
          });
          return { bonus, entry };
        });
      } catch (err) {
        if (!isInsufficientFunds(err)) throw err;
        if (attempt >= PAY_ATTEMPTS) throw walletDrained();
      }
    }
  }

  /** The submission, if the caller owns its guild: its member gets 403, anyone else 404. */
  private async target(caller: Caller, submissionId: string): Promise<BonusTargetRow> {
    const t = await bonusTarget(this.ds.manager, submissionId);
    if (!t) throw notFound('Submission', submissionId);
    if (String(t.owner_id) !== String(caller.userId)) {
      if (String(t.member_user_id) === String(caller.userId)) throw forbidden('Only the owner of the guild may give bonuses');
      throw notFound('Submission', submissionId);
    }
    if (String(t.member_user_id) === String(caller.userId)) throw invalidField('submission', 'is your own work: a bonus goes from the owner to another member');
    return t;
  }
}
