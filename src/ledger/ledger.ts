import { EntityManager } from 'typeorm';
import { toCents } from '../common/money';
import { isCheckViolation } from '../database/pg-errors';

/**
 * The ledger's primitives. Every movement is one ledger_transactions row (unique business_key)
 * plus entries that sum to zero, written with the EntityManager of the database transaction that
 * makes the state change the money belongs to. The database keeps balances (trigger), rejects an
 * unbalanced transaction at commit (deferred constraint trigger) and a negative wallet or escrow
 * (CHECK) — this code only has to say what moves.
 */

export type EntryType = 'Guild Credit' | 'Guild Debit' | 'Fiat Credit' | 'Fiat Debit';
export type LedgerKind = 'card_charge' | 'batch_payment' | 'reward' | 'refund' | 'payout';

/** One ledger entry as seen from its account: the wire Transaction is made from this. */
export interface LedgerEntryView {
  id: string;
  accountId: string;
  ledgerTransactionId: string;
  type: EntryType;
  /** signed: positive credited the account, negative debited it */
  amountCents: number;
  created: Date;
}

export interface EntryRow {
  id: string;
  ledger_transaction_id: string;
  account_id: string;
  amount_cents: string;
  type: EntryType;
  created: Date;
}

export function entryView(r: EntryRow): LedgerEntryView {
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    ledgerTransactionId: String(r.ledger_transaction_id),
    type: r.type,
    amountCents: toCents(r.amount_cents),
    created: r.created,
  };
}

/** The Postgres error of the non-negative CHECK: a wallet or escrow would go below zero. */
export function isInsufficientFunds(err: unknown): boolean {
  return isCheckViolation(err, 'ledger_accounts_non_negative');
}

/** The user's wallet in the guild, created on first use (safe under concurrency). */
export async function ensureWallet(em: EntityManager, guildId: string, userId: string): Promise<string> {
  await em.query(
    `INSERT INTO ledger_accounts (kind, guild_id, user_id) VALUES ('wallet', $1, $2)
     ON CONFLICT (guild_id, user_id) WHERE kind = 'wallet' DO NOTHING`,
    [guildId, userId],
  );
  const rows: Array<{ id: string }> = await em.query(`SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND guild_id = $1 AND user_id = $2`, [
    guildId,
    userId,
  ]);
  return String(rows[0].id);
}

/** The guild's escrow, created on first use. */
export async function ensureEscrow(em: EntityManager, guildId: string): Promise<string> {
  await em.query(
    `INSERT INTO ledger_accounts (kind, guild_id) VALUES ('escrow', $1)
     ON CONFLICT (guild_id) WHERE kind = 'escrow' DO NOTHING`,
    [guildId],
  );
  const rows: Array<{ id: string }> = await em.query(`SELECT id FROM ledger_accounts WHERE kind = 'escrow' AND guild_id = $1`, [guildId]);
  return String(rows[0].id);
}

export async function worldAccount(em: EntityManager): Promise<string> {
  const rows: Array<{ id: string }> = await em.query(`SELECT id FROM ledger_accounts WHERE kind = 'world'`);
  return String(rows[0].id);
}

export interface Movement {
  kind: LedgerKind;
  businessKey: string;
  batchId?: string | null;
  /** money leaves this account… */
  from: string;
  /** …and arrives here */
  to: string;
  amountCents: number;
  /** 'Guild' between wallets and escrow, 'Fiat' when the world is one side */
  currency: 'Guild' | 'Fiat';
}

export interface Posted {
  ledgerTransactionId: string;
  /** by account id; empty for a zero amount */
  entries: Map<string, LedgerEntryView>;
}

/**
 * Records a movement: one ledger transaction and its two entries. Each entry's type is named
 * from its own account's side (the credited account gets '… Credit', the debited one '… Debit').
 * Returns undefined when the business key was already used (the movement happened before): the
 * caller decides whether that is a no-op or a conflict. Entries are inserted in account-id order,
 * so concurrent movements lock account rows in one order.
 */
export async function post(em: EntityManager, m: Movement): Promise<Posted | undefined> {
  if (!Number.isSafeInteger(m.amountCents) || m.amountCents < 0) throw new Error(`invalid amount: ${m.amountCents}`);
  if (m.from === m.to) throw new Error('a movement needs two different accounts');
  const tx: Array<{ id: string }> = await em.query(
    `INSERT INTO ledger_transactions (kind, business_key, batch_id) VALUES ($1, $2, $3)
     ON CONFLICT (business_key) DO NOTHING RETURNING id`,
    [m.kind, m.businessKey, m.batchId ?? null],
  );
  if (tx.length === 0) return undefined;
  const ledgerTransactionId = String(tx[0].id);
  const entries = new Map<string, LedgerEntryView>();
  if (m.amountCents === 0) return { ledgerTransactionId, entries };
  const sides = [
    { account: m.from, amount: -m.amountCents, type: `${m.currency} Debit` as EntryType },
    { account: m.to, amount: m.amountCents, type: `${m.currency} Credit` as EntryType },
  ].sort((a, b) => (BigInt(a.account) < BigInt(b.account) ? -1 : 1));
  for (const side of sides) {
    const rows: EntryRow[] = await em.query(
      `INSERT INTO ledger_entries (ledger_transaction_id, account_id, amount_cents, type) VALUES ($1, $2, $3, $4)
       RETURNING id, ledger_transaction_id, account_id, amount_cents, type, created`,
      [ledgerTransactionId, side.account, side.amount, side.type],
    );
    entries.set(side.account, entryView(rows[0]));
  }
  return { ledgerTransactionId, entries };
}

export async function balanceOf(em: EntityManager, accountId: string): Promise<number> {
  const rows: Array<{ balance_cents: string }> = await em.query(`SELECT balance_cents FROM ledger_accounts WHERE id = $1`, [accountId]);
  return toCents(rows[0].balance_cents);
}
