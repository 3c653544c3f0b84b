import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { conflict, invalidField, notFound } from '../common/errors';
import { formatCents, toCents } from '../common/money';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { isInsufficientFunds, post, worldAccount } from './ledger';
import { PayoutRow } from './transaction.presenter';
import { sql } from '../database/sql';

@Injectable()
export class PayoutsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The wallet's owner asks for a payout. More than the balance right now is a 422. */
  async request(caller: Caller, walletId: string, amountCents: number): Promise<PayoutRow> {
    return inTransaction(this.db, async (em) => {
      const w: Array<{ id: string; guild_id: string; balance_cents: string }> = await em.query(
        `SELECT id, guild_id, balance_cents FROM ledger_accounts WHERE id = $1 AND kind = 'wallet' AND user_id = $2`,
        [walletId, caller.userId],
      );
      if (w.length === 0) throw notFound('Wallet', walletId);
      const balance = toCents(w[0].balance_cents);
      if (amountCents > balance) throw invalidField('amount_cents', `exceeds the wallet balance of ${formatCents(balance)}`);
      const rows: PayoutRow[] = await em.query(`INSERT INTO payouts (account_id, guild_id, user_id, amount_cents) VALUES ($1, $2, $3, $4) RETURNING *`, [
        walletId,
        w[0].guild_id,
        caller.userId,
        amountCents,
      ]);
      return rows[0];
    });
  }

  /**
   * The guild owner approves: a Fiat Debit from the member's wallet to the world, in the same
   * transaction as the status change. The payout row is locked first, so two approvals of one
   * payout serialize (the second is a 409); the wallet's non-negative CHECK decides between
   * different payouts of one wallet, so together they never exceed the balance. Not enough
   * balance → 409 and the payout stays 'requested' (it may be approved later or declined).
   */
  async approve(caller: Caller, id: string): Promise<PayoutRow> {
    try {
      return await inTransaction(this.db, async (em) => {
        const p = await this.lockOwned(em, caller, id);
        const posted = await post(em, {
          kind: 'payout',
          businessKey: `payout:${p.id}`,
          from: String(p.account_id),
          to: await worldAccount(em),
          amountCents: toCents(p.amount_cents),
          currency: 'Fiat',
        });
        if (!posted) throw conflict(`Payout ${id} has already been paid out`);
        const rows = await sql<PayoutRow>(
          em,
          `UPDATE payouts SET status = 'approved', ledger_transaction_id = $2, decided_by = $3, updated = now() WHERE id = $1 RETURNING *`,
          [p.id, posted.ledgerTransactionId, caller.userId],
        );
        return rows[0];
      });
    } catch (err) {
      if (isInsufficientFunds(err)) throw conflict(`The wallet balance is less than the payout; payout ${id} stays requested`);
      throw err;
    }
  }

  async decline(caller: Caller, id: string): Promise<PayoutRow> {
    return inTransaction(this.db, async (em) => {
      const p = await this.lockOwned(em, caller, id);
      const rows = await sql<PayoutRow>(em, `UPDATE payouts SET status = 'declined', decided_by = $2, updated = now() WHERE id = $1 RETURNING *`, [
        p.id,
        caller.userId,
      ]);
      return rows[0];
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
