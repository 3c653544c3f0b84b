import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Balances without a hot row (docs/money.md, "Balances as sums of shards"; issue 15). Every entry
 * used to add itself to its account's single balance row, so every reward of a guild updated the
 * guild's escrow row and held it until commit: one guild's submits ran one at a time. Now:
 *
 * - `ledger_account_heads` (the old table, renamed) keeps who an account is, and is the row a
 *   debit that needs a balance check locks (FOR UPDATE). It has no balance any more.
 * - `ledger_account_shards` holds the balance as 8 counters per account; the entry trigger adds
 *   each entry to shard `ledger_transaction_id % 8`, so concurrent movements of one account mostly
 *   update different rows. balance = Σ shards.
 * - `ledger_accounts` is now a view with the old columns (balance_cents = Σ shards, updated = the
 *   last change), so every read of a balance, inside the app and in an operator's psql, sums.
 * - The non-negative CHECK is replaced by a deferred constraint trigger: at commit, every wallet or
 *   escrow a transaction debited must have Σ shards ≥ 0, raised as the same check_violation on
 *   `ledger_accounts_non_negative`. It cannot see concurrent uncommitted debits, so it is the loud
 *   net under the rule, not the rule: debits that need a check lock the head row first.
 */
export class LedgerAccountShards1732500950000 implements MigrationInterface {
  name = 'LedgerAccountShards1732500950000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger_accounts RENAME TO ledger_account_heads;
      ALTER TABLE ledger_account_heads DROP CONSTRAINT ledger_accounts_non_negative;

      CREATE TABLE ledger_account_shards (
        account_id bigint NOT NULL REFERENCES ledger_account_heads(id),
        shard smallint NOT NULL CHECK (shard >= 0 AND shard < 8),
        balance_cents bigint NOT NULL DEFAULT 0,
        updated timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, shard)
      );
      INSERT INTO ledger_account_shards (account_id, shard, balance_cents)
        SELECT account_id, ledger_transaction_id % 8, sum(amount_cents) FROM ledger_entries GROUP BY 1, 2;

      ALTER TABLE ledger_account_heads DROP COLUMN balance_cents;

      CREATE VIEW ledger_accounts AS
        SELECT h.id, h.kind, h.guild_id, h.user_id,
               coalesce((SELECT sum(s.balance_cents) FROM ledger_account_shards s WHERE s.account_id = h.id), 0)::bigint AS balance_cents,
               h.created,
               greatest(h.updated, (SELECT max(s.updated) FROM ledger_account_shards s WHERE s.account_id = h.id)) AS updated
          FROM ledger_account_heads h;

      CREATE OR REPLACE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_account_shards AS s (account_id, shard, balance_cents)
          VALUES (NEW.account_id, NEW.ledger_transaction_id % 8, NEW.amount_cents)
          ON CONFLICT (account_id, shard) DO UPDATE SET balance_cents = s.balance_cents + EXCLUDED.balance_cents, updated = now();
        RETURN NEW;
      END $$;

      CREATE FUNCTION ledger_check_non_negative() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE total bigint;
      BEGIN
        IF (SELECT kind FROM ledger_account_heads WHERE id = NEW.account_id) = 'world' THEN RETURN NULL; END IF;
        SELECT coalesce(sum(balance_cents), 0) INTO total FROM ledger_account_shards WHERE account_id = NEW.account_id;
        IF total < 0 THEN
          RAISE EXCEPTION 'ledger account % would be negative (%)', NEW.account_id, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_accounts_non_negative';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER ledger_entries_non_negative AFTER INSERT ON ledger_entries
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.amount_cents < 0) EXECUTE FUNCTION ledger_check_non_negative();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER ledger_entries_non_negative ON ledger_entries;
      DROP FUNCTION ledger_check_non_negative();
      DROP VIEW ledger_accounts;
      ALTER TABLE ledger_account_heads ADD COLUMN balance_cents bigint NOT NULL DEFAULT 0;
      UPDATE ledger_account_heads h SET balance_cents = coalesce((SELECT sum(balance_cents) FROM ledger_account_shards s WHERE s.account_id = h.id), 0);
      DROP TABLE ledger_account_shards;
      ALTER TABLE ledger_account_heads RENAME TO ledger_accounts;
      ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_non_negative CHECK (kind = 'world' OR balance_cents >= 0);
      CREATE OR REPLACE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE ledger_accounts SET balance_cents = balance_cents + NEW.amount_cents, updated = now()
          WHERE id = NEW.account_id;
        RETURN NEW;
      END $$;
    `);
  }
}
