import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { notFound } from '../common/errors';
import { toCents } from '../common/money';
import { CursorPage, Page, unknownCursor } from '../common/pagination';
import { ENTRY_COLUMNS, ensureWalletsOf, EntryRow, entryView, LedgerEntryView } from './ledger.repository';
import { WalletView } from './transaction.presenter';

/** How many transactions a Wallet object embeds. */
export const WALLET_TRANSACTIONS = 100;

interface AccountRow {
  id: string;
  guild_id: string;
  balance_cents: string;
  created: Date;
  updated: Date;
}

@Injectable()
export class WalletsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The caller's wallets, newest first. A user has a wallet in every guild they own or are an
   * active member of: missing ones are created here, on read (idempotent INSERT … ON CONFLICT),
   * so every listed wallet has a real id that GET /api/wallets/:id answers to.
   */
  async list(caller: Caller, page: Page): Promise<WalletView[]> {
    await ensureWalletsOf(this.db.manager, caller.userId);
    const rows: AccountRow[] = await this.db.query(
      `SELECT id, guild_id, balance_cents, created, updated FROM ledger_accounts
        WHERE kind = 'wallet' AND user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit + 1, page.offset],
    );
    return this.withTransactions(rows);
  }

  async get(caller: Caller, id: string): Promise<WalletView> {
    const rows: AccountRow[] = await this.db.query(
      `SELECT id, guild_id, balance_cents, created, updated FROM ledger_accounts WHERE kind = 'wallet' AND id = $1 AND user_id = $2`,
      [id, caller.userId],
    );
    if (rows.length === 0) throw notFound('Wallet', id);
    return (await this.withTransactions(rows))[0];
  }

  /** Newest first; `page.after` (starting_after): the entries older than that one of this wallet. */
  async transactions(caller: Caller, id: string, page: CursorPage): Promise<LedgerEntryView[]> {
    await this.get(caller, id);
    if (page.after !== undefined) {
      const [known] = await this.db.query(`SELECT 1 FROM ledger_entries WHERE id = $1 AND account_id = $2`, [page.after, id]);
      if (!known) throw unknownCursor(page.after);
    }
    const rows: EntryRow[] = await this.db.query(
      `SELECT ${ENTRY_COLUMNS} FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
        WHERE e.account_id = $1 AND ($4::bigint IS NULL OR e.id < $4) ORDER BY e.id DESC LIMIT $2 OFFSET $3`,
      [id, page.limit + 1, page.offset, page.after ?? null],
    );
    return rows.map(entryView);
  }

  private async withTransactions(accounts: AccountRow[]): Promise<WalletView[]> {
    if (accounts.length === 0) return [];
    const rows: Array<EntryRow & { rn: string }> = await this.db.query(
      `SELECT ${ENTRY_COLUMNS} FROM (
         SELECT id, ledger_transaction_id, account_id, amount_cents, type, created,
                row_number() OVER (PARTITION BY account_id ORDER BY id DESC) AS rn
           FROM ledger_entries WHERE account_id = ANY($1::bigint[])
       ) e JOIN ledger_transactions t ON t.id = e.ledger_transaction_id
        WHERE e.rn <= $2 ORDER BY e.account_id, e.id DESC`,
      [accounts.map((a) => a.id), WALLET_TRANSACTIONS + 1],
    );
    const byAccount = new Map<string, LedgerEntryView[]>();
    for (const r of rows) {
      const list = byAccount.get(String(r.account_id)) ?? [];
      list.push(entryView(r));
      byAccount.set(String(r.account_id), list);
    }
    return accounts.map((a) => {
      const entries = byAccount.get(String(a.id)) ?? [];
      return {
        id: String(a.id),
        guildId: String(a.guild_id),
        balanceCents: toCents(a.balance_cents),
        created: a.created,
        updated: a.updated,
        transactions: entries.slice(0, WALLET_TRANSACTIONS),
        moreTransactions: entries.length > WALLET_TRANSACTIONS,
      };
    });
  }
}
