import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { paymentRequired } from '../common/errors';
import { money, toCents } from '../common/money';
import { wireId, wireTime } from '../common/wire';
import { inTransaction } from '../database/transaction';
import { sql, sqlOne } from '../batches/sql';

export interface LedgerEntryView {
  id: string;
  type: string;
  amountCents: number;
  created: Date;
}

export function presentTransaction(e: LedgerEntryView) {
  return { object: 'Transaction' as const, id: wireId(e.id), type: e.type, ...money('amount', Math.abs(e.amountCents)), created: wireTime(e.created) };
}

/**
 * INTERIM stand-in for src/transactions/money.service.ts (wip-money). Same signatures; the card
 * "charge" is a ledger movement from the world account when the payer has a stored payment method.
 */
@Injectable()
export class MoneyService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  private async account(em: EntityManager, kind: 'wallet' | 'escrow', guildId: string, userId?: string): Promise<string> {
    if (kind === 'wallet') {
      await sql(em, `INSERT INTO ledger_accounts (kind, guild_id, user_id) VALUES ('wallet', $1, $2) ON CONFLICT (guild_id, user_id) WHERE kind = 'wallet' DO NOTHING`, [guildId, userId]);
      return (await sqlOne<{ id: string }>(em, `SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND guild_id = $1 AND user_id = $2`, [guildId, userId]))!.id;
    }
    await sql(em, `INSERT INTO ledger_accounts (kind, guild_id) VALUES ('escrow', $1) ON CONFLICT (guild_id) WHERE kind = 'escrow' DO NOTHING`, [guildId]);
    return (await sqlOne<{ id: string }>(em, `SELECT id FROM ledger_accounts WHERE kind = 'escrow' AND guild_id = $1`, [guildId]))!.id;
  }

  /** Returns the entry on `creditAccount`'s opposite side (the debited one), or undefined on a replay. */
  private async move(
    em: EntityManager,
    kind: string,
    businessKey: string,
    batchId: string | undefined,
    from: { account: string; type: string },
    to: { account: string; type: string },
    amountCents: number,
  ): Promise<LedgerEntryView | undefined> {
    const tx = await sqlOne<{ id: string }>(
      em,
      'INSERT INTO ledger_transactions (kind, business_key, batch_id) VALUES ($1, $2, $3) ON CONFLICT (business_key) DO NOTHING RETURNING id',
      [kind, businessKey, batchId ?? null],
    );
    if (!tx) return undefined;
    const [a, b] = [from, to].sort((x, y) => Number(x.account) - Number(y.account));
    const rows: Array<{ id: string; account_id: string; type: string; amount_cents: string; created: Date }> = [];
    for (const side of [a, b]) {
      const amt = side === from ? -amountCents : amountCents;
      rows.push(...(await sql<(typeof rows)[0]>(em, 'INSERT INTO ledger_entries (ledger_transaction_id, account_id, amount_cents, type) VALUES ($1, $2, $3, $4) RETURNING *', [tx.id, side.account, amt, side.type])));
    }
    const e = rows.find((r) => r.account_id === from.account)!;
    return { id: e.id, type: e.type, amountCents: toCents(e.amount_cents), created: e.created };
  }

  async payForBatch(opts: { payerUserId: string; guildId: string; amountCents: number; purposeKey: string; apply: (em: EntityManager) => Promise<void> }): Promise<LedgerEntryView> {
    const world = (await sqlOne<{ id: string }>(this.ds.manager, `SELECT id FROM ledger_accounts WHERE kind = 'world'`))!.id;
    await inTransaction(this.ds, async (em) => {
      const wallet = await this.account(em, 'wallet', opts.guildId, opts.payerUserId);
      const bal = toCents((await sqlOne<{ b: string }>(em, 'SELECT balance_cents AS b FROM ledger_accounts WHERE id = $1', [wallet]))!.b);
      const shortfall = opts.amountCents - bal;
      if (shortfall <= 0) return;
      const card = await sqlOne(em, 'SELECT id FROM payment_methods WHERE user_id = $1 LIMIT 1', [opts.payerUserId]);
      if (!card) throw paymentRequired(`Your wallet holds ${bal} cents and no card is on file; attach one with POST /api/payment_methods`);
      await this.move(em, 'card_charge', `${opts.purposeKey}:charge`, undefined, { account: world, type: 'Fiat Debit' }, { account: wallet, type: 'Fiat Credit' }, shortfall);
    });
    return inTransaction(this.ds, async (em) => {
      const wallet = await this.account(em, 'wallet', opts.guildId, opts.payerUserId);
      const escrow = await this.account(em, 'escrow', opts.guildId);
      const batchId = /^batch:(\d+)$/.exec(opts.purposeKey)?.[1];
      const entry = await this.move(em, 'batch_payment', `${opts.purposeKey}:payment`, batchId, { account: wallet, type: 'Guild Debit' }, { account: escrow, type: 'Guild Credit' }, opts.amountCents);
      await opts.apply(em);
      return entry!;
    });
  }

  async reward(em: EntityManager, o: { guildId: string; memberUserId: string; amountCents: number; businessKey: string; batchId?: string }): Promise<void> {
    if (o.amountCents <= 0) return;
    const escrow = await this.account(em, 'escrow', o.guildId);
    const wallet = await this.account(em, 'wallet', o.guildId, o.memberUserId);
    await this.move(em, 'reward', o.businessKey, o.batchId, { account: escrow, type: 'Guild Debit' }, { account: wallet, type: 'Guild Credit' }, o.amountCents);
  }

  async refund(em: EntityManager, o: { guildId: string; requesterUserId: string; amountCents: number; businessKey: string; batchId?: string }): Promise<void> {
    if (o.amountCents <= 0) return;
    const escrow = await this.account(em, 'escrow', o.guildId);
    const wallet = await this.account(em, 'wallet', o.guildId, o.requesterUserId);
    await this.move(em, 'refund', o.businessKey, o.batchId, { account: escrow, type: 'Guild Debit' }, { account: wallet, type: 'Guild Credit' }, o.amountCents);
  }
}
