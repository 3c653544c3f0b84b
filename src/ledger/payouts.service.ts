import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { conflict, invalidField, notFound } from '../common/errors';
import { formatCents, toCents } from '../common/money';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { balanceOf, decidePayout, insertPayout, isInsufficientFunds, lockForDebit, post, worldAccount } from './ledger.repository';
import { PayoutRow } from './transaction.presenter';

@Injectable()
export class PayoutsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The wallet's owner asks for a payout. More than the balance right now is a 422. */
  async request(caller: Caller, walletId: string, amountCents: number): Promise<PayoutRow> {
    return inTransaction(this.db, async (em) => {
      const w: Array<{ id: string; guild_id: string }> = await em.query(
        `SELECT id, guild_id FROM ledger_account_heads WHERE id = $1 AND kind = 'wallet' AND user_id = $2`,
        [walletId, caller.userId],
      );
      if (w.length === 0) throw notFound('Wallet', walletId);
      // a hint for the member, not the guard: approve() checks the balance again under the lock
      const balance = await balanceOf(em, walletId);
      if (amountCents > balance) throw invalidField('amount_cents', `exceeds the wallet balance of ${formatCents(balance)}`);
      return insertPayout(em, { accountId: walletId, guildId: String(w[0].guild_id), userId: caller.userId, amountCents });
    });
  }

  /**
   * The guild owner approves: a Fiat Debit from the member's wallet to the world, in the same
   * transaction as the status change. The payout row is locked first, so two approvals of one
   * payout serialize (the second is a 409); the wallet is debited under the lock rule
   * (lockForDebit), which serialises different payouts and payments of one wallet, so together
   * they never exceed the balance. Not enough
   * balance → 409 and the payout stays 'requested' (it may be approved later or declined).
   */
  async approve(caller: Caller, id: string): Promise<PayoutRow> {
    try {
      return await inTransaction(this.db, async (em) => {
        const p = await this.lockOwned(em, caller, id);
        await lockForDebit(em, String(p.account_id), toCents(p.amount_cents));
        const posted = await post(em, {
          kind: 'payout',
          businessKey: `payout:${p.id}`,
          from: String(p.account_id),
          to: await worldAccount(em),
          amountCents: toCents(p.amount_cents),
          currency: 'Fiat',
        });
        if (!posted) throw conflict(`Payout ${id} has already been paid out`);
        return decidePayout(em, p.id, { status: 'approved', ledgerTransactionId: posted.ledgerTransactionId, decidedBy: caller.userId });
      });
    } catch (err) {
      if (isInsufficientFunds(err)) throw conflict(`The wallet balance is less than the payout; payout ${id} stays requested`);
      throw err;
    }
  }

  async decline(caller: Caller, id: string): Promise<PayoutRow> {
    return inTransaction(this.db, async (em) => {
      const p = await this.lockOwned(em, caller, id);
      return decidePayout(em, p.id, { status: 'declined', decidedBy: caller.userId });
    });
  }

  async listForGuild(caller: Caller, guildId: string, page: Page): Promise<PayoutRow[]> {
    const g: unknown[] = await this.db.query(`SELECT 1 FROM guilds WHERE id = $1 AND owner_id = $2`, [guildId, caller.userId]);
    if (g.length === 0) throw notFound('Guild', guildId);
    return this.db.query(`SELECT * FROM payouts WHERE guild_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, [guildId, page.limit + 1, page.offset]);
  }

  /** The payout, locked, if the caller owns its guild (else 404); 409 unless it is 'requested'. */
  private async lockOwned(em: EntityManager, caller: Caller, id: string): Promise<PayoutRow> {
    const rows: PayoutRow[] = await em.query(
      `SELECT p.* FROM payouts p JOIN guilds g ON g.id = p.guild_id WHERE p.id = $1 AND g.owner_id = $2 FOR UPDATE OF p`,
      [id, caller.userId],
    );
    if (rows.length === 0) throw notFound('Payout', id);
    if (rows[0].status !== 'requested') throw conflict(`Payout ${id} is already ${rows[0].status}`);
    return rows[0];
  }
}
