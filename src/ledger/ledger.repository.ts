import { EntityManager } from 'typeorm';
import { toCents } from '../common/money';
import { isCheckViolation } from '../database/pg-errors';
import { sql } from '../database/sql';
import type { CardChargeRow, PaymentMethodRow } from './card.service';
import type { PayoutRow } from './transaction.presenter';

/**
 * The ledger module's repository: every statement that writes a ledger table (accounts, ledger
 * transactions and entries, payment methods, card charges, payouts) is spelled here or in
 * ledger-sql.ts (fragments for statements composed elsewhere); the services say when.
 *
 * Every movement is one ledger_transactions row (unique business_key) plus entries that sum to
 * zero, written with the EntityManager of the database transaction that makes the state change
 * the money belongs to. The database keeps balances (trigger: each entry adds itself to one of
 * the account's 8 shard rows, `ledger_transaction_id % 8`), rejects an unbalanced transaction at
 * commit, and re-checks at commit that no wallet or escrow it debited is below zero (both deferred
 * constraint triggers). Debits that need a balance check first take lockedBalance(): see
 * docs/money.md, "Balances as sums of shards".
 */

export type EntryType = 'Guild Credit' | 'Guild Debit' | 'Fiat Credit' | 'Fiat Debit';
export type LedgerKind = 'card_charge' | 'batch_payment' | 'reward' | 'refund' | 'payout' | 'bonus' | 'appeal';

/** One ledger entry as seen from its account: the wire Transaction is made from this. */
export interface LedgerEntryView {
  id: string;
  accountId: string;
  ledgerTransactionId: string;
  type: EntryType;
  /** signed: positive credited the account, negative debited it */
  amountCents: number;
  created: Date;
  /** what the movement was (ledger_transactions.kind): the wire `reason` (API.md §11.6) */
  kind: LedgerKind;
  /** the batch the movement belongs to (ledger_transactions.batch_id) */
  batchId: string | null;
}

export interface EntryRow {
  id: string;
  ledger_transaction_id: string;
  account_id: string;
  amount_cents: string;
  type: EntryType;
  created: Date;
  kind: LedgerKind;
  batch_id: string | null;
}

/** The columns of an EntryRow, for a read of ledger_entries \`e\` joined to its ledger_transactions \`t\`. */
export const ENTRY_COLUMNS = 'e.id, e.ledger_transaction_id, e.account_id, e.amount_cents, e.type, e.created, t.kind, t.batch_id';

export function entryView(r: EntryRow): LedgerEntryView {
  return {
    id: String(r.id),
    accountId: String(r.account_id),
    ledgerTransactionId: String(r.ledger_transaction_id),
    type: r.type,
    amountCents: toCents(r.amount_cents),
    created: r.created,
    kind: r.kind,
    batchId: r.batch_id === null || r.batch_id === undefined ? null : String(r.batch_id),
  };
}

/** A checked debit found less than it takes in the account (lockedBalance() said so). */
export class InsufficientFundsError extends Error {
  constructor(
    readonly accountId: string,
    readonly balanceCents: number,
    readonly amountCents: number,
  ) {
    super(`ledger account ${accountId} holds ${balanceCents} cents, less than the ${amountCents} cents debited`);
  }
}

/**
 * A wallet or escrow would go below zero: a checked debit refused it (InsufficientFundsError), or
 * the deferred non-negative trigger refused the commit of a debit that skipped the check.
 */
export function isInsufficientFunds(err: unknown): boolean {
  return err instanceof InsufficientFundsError || isCheckViolation(err, 'ledger_accounts_non_negative');
}

/** The user's wallet in the guild, created on first use (safe under concurrency). */
export async function ensureWallet(em: EntityManager, guildId: string, userId: string): Promise<string> {
  await em.query(
    `INSERT INTO ledger_account_heads (kind, guild_id, user_id) VALUES ('wallet', $1, $2)
     ON CONFLICT (guild_id, user_id) WHERE kind = 'wallet' DO NOTHING`,
    [guildId, userId],
  );
  const rows: Array<{ id: string }> = await em.query(`SELECT id FROM ledger_account_heads WHERE kind = 'wallet' AND guild_id = $1 AND user_id = $2`, [
    guildId,
    userId,
  ]);
  return String(rows[0].id);
}

/** The guild's escrow, created on first use. */
export async function ensureEscrow(em: EntityManager, guildId: string): Promise<string> {
  await em.query(
    `INSERT INTO ledger_account_heads (kind, guild_id) VALUES ('escrow', $1)
     ON CONFLICT (guild_id) WHERE kind = 'escrow' DO NOTHING`,
    [guildId],
  );
  const rows: Array<{ id: string }> = await em.query(`SELECT id FROM ledger_account_heads WHERE kind = 'escrow' AND guild_id = $1`, [guildId]);
  return String(rows[0].id);
}

export async function worldAccount(em: EntityManager): Promise<string> {
  const rows: Array<{ id: string }> = await em.query(`SELECT id FROM ledger_account_heads WHERE kind = 'world'`);
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
 * so concurrent movements lock the accounts' shard rows in one order.
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
    entries.set(side.account, entryView({ ...rows[0], kind: m.kind, batch_id: m.batchId ?? null }));
  }
  return { ledgerTransactionId, entries };
}

/** The account's balance: the sum of its shard rows (committed ones, and this transaction's own). */
export async function balanceOf(em: EntityManager, accountId: string): Promise<number> {
  const rows: Array<{ b: string }> = await em.query(`SELECT coalesce(sum(balance_cents), 0)::text AS b FROM ledger_account_shards WHERE account_id = $1`, [
    accountId,
  ]);
  return toCents(rows[0].b);
}

/**
 * The lock rule of a debit that needs a balance check (paying a batch, a payout): lock the
 * account's head row, then read Σ shards, then post the debit in the same transaction. Debits of
 * one account serialise on the head lock; credits never take it and only raise the sum, so the
 * balance read here can only grow before the debit commits. Two statements on purpose: the sum is
 * read with a snapshot taken after the lock is granted, so it includes the debit of the
 * transaction that held the lock before. Undefined when there is no such account.
 */
export async function lockedBalance(
  em: EntityManager,
  accountId: string,
  where: { kind?: 'wallet' | 'escrow'; userId?: string } = {},
): Promise<number | undefined> {
  const head: unknown[] = await em.query(
    `SELECT 1 FROM ledger_account_heads WHERE id = $1 AND ($2::text IS NULL OR kind = $2) AND ($3::bigint IS NULL OR user_id = $3) FOR UPDATE`,
    [accountId, where.kind ?? null, where.userId ?? null],
  );
  if (head.length === 0) return undefined;
  return balanceOf(em, accountId);
}

/** lockedBalance(), then a refusal (InsufficientFundsError) when the account holds less than `amountCents`. */
export async function lockForDebit(em: EntityManager, accountId: string, amountCents: number): Promise<void> {
  const balance = await lockedBalance(em, accountId);
  if (balance === undefined) throw new Error(`no ledger account ${accountId}`);
  if (balance < amountCents) throw new InsufficientFundsError(accountId, balance, amountCents);
}

/** The wallets a user should have: one in every guild they own or are an active member of (idempotent). */
export async function ensureWalletsOf(em: EntityManager, userId: string): Promise<void> {
  await em.query(
    `INSERT INTO ledger_account_heads (kind, guild_id, user_id)
     SELECT 'wallet', g.id, $1::bigint FROM (
       SELECT id FROM guilds WHERE owner_id = $1
       UNION SELECT guild_id FROM members WHERE user_id = $1 AND status = 'active'
     ) g
     ORDER BY g.id
     ON CONFLICT (guild_id, user_id) WHERE kind = 'wallet' DO NOTHING`,
    [userId],
  );
}

// ---------------------------------------------------------------- payment methods and card charges

export async function insertPaymentMethod(
  em: EntityManager,
  p: { userId: string; sourceId: string; brand: string | null; last4: string | null; expMonth: number | null; expYear: number | null },
): Promise<PaymentMethodRow> {
  const rows = await sql<PaymentMethodRow>(
    em,
    `INSERT INTO payment_methods (user_id, stripe_source_id, brand, last4, exp_month, exp_year)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [p.userId, p.sourceId, p.brand, p.last4, p.expMonth, p.expYear],
  );
  return rows[0];
}

/** Claims the numbered charge row `purposeKey` as 'pending'; undefined when another request claimed it first. */
export async function insertPendingCharge(
  em: EntityManager,
  p: { userId: string; purposeKey: string; amountCents: number; paymentMethodId: string },
): Promise<CardChargeRow | undefined> {
  const rows = await sql<CardChargeRow>(
    em,
    `INSERT INTO card_charges (user_id, purpose_key, amount_cents, status, payment_method_id)
     VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (purpose_key) DO NOTHING RETURNING *`,
    [p.userId, p.purposeKey, p.amountCents, p.paymentMethodId],
  );
  return rows[0];
}

/** A pending charge ends as failed (a decline, a refusal); one already ended stays as it is. */
export async function failCharge(em: EntityManager, id: string, declineCode: string): Promise<void> {
  await sql(em, `UPDATE card_charges SET status = 'failed', decline_code = $2, updated = now() WHERE id = $1 AND status = 'pending'`, [id, declineCode]);
}

/** A pending charge succeeded; undefined when a concurrent resume booked it already. */
export async function succeedCharge(em: EntityManager, id: string, stripeChargeId: string): Promise<CardChargeRow | undefined> {
  const rows = await sql<CardChargeRow>(
    em,
    `UPDATE card_charges SET status = 'succeeded', stripe_charge_id = $2, updated = now() WHERE id = $1 AND status = 'pending' RETURNING *`,
    [id, stripeChargeId],
  );
  return rows[0];
}

export async function linkChargeToLedger(em: EntityManager, id: string, ledgerTransactionId: string): Promise<void> {
  await sql(em, `UPDATE card_charges SET ledger_transaction_id = $2 WHERE id = $1`, [id, ledgerTransactionId]);
}

// ---------------------------------------------------------------- payouts

export async function insertPayout(em: EntityManager, p: { accountId: string; guildId: string; userId: string; amountCents: number }): Promise<PayoutRow> {
  const rows = await sql<PayoutRow>(em, `INSERT INTO payouts (account_id, guild_id, user_id, amount_cents) VALUES ($1, $2, $3, $4) RETURNING *`, [
    p.accountId,
    p.guildId,
    p.userId,
    p.amountCents,
  ]);
  return rows[0];
}

export async function decidePayout(
  em: EntityManager,
  id: string,
  d: { status: 'approved'; ledgerTransactionId: string; decidedBy: string } | { status: 'declined'; decidedBy: string },
): Promise<PayoutRow> {
  const rows = await sql<PayoutRow>(
    em,
    `UPDATE payouts SET status = $2, ledger_transaction_id = coalesce($3, ledger_transaction_id), decided_by = $4, updated = now() WHERE id = $1 RETURNING *`,
    [id, d.status, d.status === 'approved' ? d.ledgerTransactionId : null, d.decidedBy],
  );
  return rows[0];
}
