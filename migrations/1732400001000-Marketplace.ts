import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The marketplace schema: guilds and their pipeline, members, the ledger, batches and the work
 * they open, files, webhooks and background jobs. Design notes live in docs/architecture.md.
 */
export class Marketplace1732400001000 implements MigrationInterface {
  name = 'Marketplace1732400001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE guilds (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        owner_id bigint NOT NULL REFERENCES users(id),
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        input_parameters text[] NOT NULL DEFAULT '{}',
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX guilds_owner_idx ON guilds (owner_id, id);

      CREATE TABLE workspaces (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        owner_id bigint NOT NULL REFERENCES users(id),
        name text NOT NULL,
        preview text NOT NULL,
        permissions text NOT NULL CHECK (permissions IN ('open', 'closed')),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX workspaces_owner_idx ON workspaces (owner_id, id);
      CREATE INDEX workspaces_open_idx ON workspaces (id) WHERE permissions = 'open';

      CREATE TABLE tasks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        guild_id bigint NOT NULL REFERENCES guilds(id),
        workspace_id bigint REFERENCES workspaces(id),
        name text NOT NULL,
        minimum_amount_cents bigint NOT NULL CHECK (minimum_amount_cents >= 0),
        lease_seconds int NOT NULL DEFAULT 1800 CHECK (lease_seconds > 0),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX tasks_guild_idx ON tasks (guild_id, id);

      CREATE TABLE connections (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        guild_id bigint NOT NULL REFERENCES guilds(id),
        source_task_id bigint NOT NULL REFERENCES tasks(id),
        target_task_id bigint NOT NULL REFERENCES tasks(id),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source_task_id, target_task_id),
        CHECK (source_task_id <> target_task_id)
      );
      CREATE INDEX connections_guild_idx ON connections (guild_id);
      CREATE INDEX connections_target_idx ON connections (target_task_id);

      CREATE TABLE members (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        guild_id bigint NOT NULL REFERENCES guilds(id),
        user_id bigint NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
        quality_score numeric(3, 2) NOT NULL DEFAULT 1.00 CHECK (quality_score BETWEEN 0 AND 1),
        removed_at timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now(),
        UNIQUE (guild_id, user_id)
      );
      CREATE INDEX members_user_idx ON members (user_id);

      CREATE TABLE invites (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        guild_id bigint NOT NULL REFERENCES guilds(id),
        email text NOT NULL,
        -- SHA-256 of the token in the mailed link
        token_hash bytea NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'accepted', 'revoked')),
        invited_by bigint NOT NULL REFERENCES users(id),
        member_id bigint REFERENCES members(id),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX invites_pending_key ON invites (guild_id, lower(email)) WHERE status IN ('sending', 'sent');
      CREATE INDEX invites_email_idx ON invites (lower(email));

      CREATE TABLE subscriptions (
        member_id bigint NOT NULL REFERENCES members(id),
        task_id bigint NOT NULL REFERENCES tasks(id),
        created timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (member_id, task_id)
      );
      CREATE INDEX subscriptions_task_idx ON subscriptions (task_id);

      ---------------------------------------------------------------- the ledger
      -- One account per user wallet in a guild, one escrow per guild, and one 'world' account for
      -- the outside (card money in, payouts out). balance_cents is a cache of the entries, kept by
      -- the trigger below in the same transaction, so no code path can forget it.
      CREATE TABLE ledger_accounts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('wallet', 'escrow', 'world')),
        guild_id bigint REFERENCES guilds(id),
        user_id bigint REFERENCES users(id),
        balance_cents bigint NOT NULL DEFAULT 0,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ledger_accounts_non_negative CHECK (kind = 'world' OR balance_cents >= 0),
        CHECK ((kind = 'wallet') = (user_id IS NOT NULL)),
        CHECK ((kind = 'world') = (guild_id IS NULL))
      );
      CREATE UNIQUE INDEX ledger_accounts_wallet_key ON ledger_accounts (guild_id, user_id) WHERE kind = 'wallet';
      CREATE UNIQUE INDEX ledger_accounts_escrow_key ON ledger_accounts (guild_id) WHERE kind = 'escrow';
      CREATE UNIQUE INDEX ledger_accounts_world_key ON ledger_accounts (kind) WHERE kind = 'world';
      CREATE INDEX ledger_accounts_user_idx ON ledger_accounts (user_id, id) WHERE kind = 'wallet';
      INSERT INTO ledger_accounts (kind) VALUES ('world');

      CREATE TABLE ledger_transactions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('card_charge', 'batch_payment', 'reward', 'refund', 'payout')),
        -- what the movement is for (e.g. 'batch:12:payment'); unique, so a retry cannot move money twice
        business_key text NOT NULL UNIQUE,
        batch_id bigint,
        created timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE ledger_entries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ledger_transaction_id bigint NOT NULL REFERENCES ledger_transactions(id),
        account_id bigint NOT NULL REFERENCES ledger_accounts(id),
        -- signed: positive credits the account, negative debits it
        amount_cents bigint NOT NULL CHECK (amount_cents <> 0),
        type text NOT NULL CHECK (type IN ('Guild Credit', 'Guild Debit', 'Fiat Credit', 'Fiat Debit')),
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, id DESC);
      CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (ledger_transaction_id);

      CREATE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE ledger_accounts SET balance_cents = balance_cents + NEW.amount_cents, updated = now()
          WHERE id = NEW.account_id;
        RETURN NEW;
      END $$;
      CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION ledger_apply_entry();

      -- Every ledger transaction must balance by the time the database transaction commits.
      CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE total bigint;
      BEGIN
        SELECT coalesce(sum(amount_cents), 0) INTO total FROM ledger_entries
          WHERE ledger_transaction_id = NEW.ledger_transaction_id;
        IF total <> 0 THEN
          RAISE EXCEPTION 'ledger transaction % does not balance (%)', NEW.ledger_transaction_id, total
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

      -- Entries are history: never changed or removed.
      CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END $$;
      CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION ledger_immutable();

      CREATE TABLE payment_methods (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id),
        stripe_source_id text NOT NULL,
        brand text,
        last4 text,
        exp_month int,
        exp_year int,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX payment_methods_user_idx ON payment_methods (user_id, id);

      CREATE TABLE card_charges (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id),
        -- what is being paid for; also the Stripe idempotency key
        purpose_key text NOT NULL UNIQUE,
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        stripe_charge_id text,
        decline_code text,
        ledger_transaction_id bigint REFERENCES ledger_transactions(id),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE payouts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id bigint NOT NULL REFERENCES ledger_accounts(id),
        guild_id bigint NOT NULL REFERENCES guilds(id),
        user_id bigint NOT NULL REFERENCES users(id),
        amount_cents bigint NOT NULL CHECK (amount_cents > 0),
        status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'declined')),
        ledger_transaction_id bigint REFERENCES ledger_transactions(id),
        decided_by bigint REFERENCES users(id),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX payouts_guild_idx ON payouts (guild_id, id DESC);
      CREATE INDEX payouts_account_idx ON payouts (account_id, id DESC);

      ---------------------------------------------------------------- batches and work
      CREATE TABLE batches (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        guild_id bigint NOT NULL REFERENCES guilds(id),
        owner_id bigint NOT NULL REFERENCES users(id),
        status text NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'processing', 'completed', 'canceled')),
        data_count int NOT NULL DEFAULT 0,
        data_completed_count int NOT NULL DEFAULT 0,
        -- fixed when paid; an unpaid batch is priced from the guild's current pipeline
        cost_cents bigint CHECK (cost_cents >= 0),
        paid_at timestamptz,
        completed_at timestamptz,
        canceled_at timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX batches_owner_idx ON batches (owner_id, id DESC);
      CREATE INDEX batches_owner_status_idx ON batches (owner_id, status, id DESC);
      CREATE INDEX batches_guild_idx ON batches (guild_id, id DESC);

      CREATE TABLE data (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        batch_id bigint NOT NULL REFERENCES batches(id),
        status text NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'processing', 'completed', 'canceled')),
        parameters jsonb NOT NULL DEFAULT '{}',
        -- work items of this datum not yet done; the datum completes when it reaches 0
        open_work_count int NOT NULL DEFAULT 0 CHECK (open_work_count >= 0),
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX data_batch_idx ON data (batch_id, id);
      CREATE INDEX data_batch_status_idx ON data (batch_id, status, id);

      -- The pipeline as it was when the batch was paid; later edits to the guild don't move paid work.
      CREATE TABLE batch_connections (
        batch_id bigint NOT NULL REFERENCES batches(id),
        source_task_id bigint NOT NULL REFERENCES tasks(id),
        target_task_id bigint NOT NULL REFERENCES tasks(id),
        PRIMARY KEY (batch_id, source_task_id, target_task_id)
      );

      -- One datum at one task. 'waiting' until every inbound task is done for the datum,
      -- then 'open' (claimable), 'claimed' while leased, 'done' when submitted.
      CREATE TABLE work_items (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        batch_id bigint NOT NULL REFERENCES batches(id),
        datum_id bigint NOT NULL REFERENCES data(id),
        task_id bigint NOT NULL REFERENCES tasks(id),
        status text NOT NULL CHECK (status IN ('waiting', 'open', 'claimed', 'done', 'canceled')),
        waiting_for int NOT NULL DEFAULT 0 CHECK (waiting_for >= 0),
        reward_cents bigint NOT NULL CHECK (reward_cents >= 0),
        -- set when the batch is canceled while this work is claimed: it may still be submitted,
        -- but is never handed out again
        canceled boolean NOT NULL DEFAULT false,
        assignment_id bigint,
        lease_expires_at timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now(),
        UNIQUE (datum_id, task_id)
      );
      -- Claims scan this: open work of a task, oldest first (a lapsed claimed lease is open again).
      CREATE INDEX work_items_claimable_idx ON work_items (task_id, id) WHERE status IN ('open', 'claimed');
      CREATE INDEX work_items_batch_idx ON work_items (batch_id, status);

      CREATE TABLE assignments (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        work_item_id bigint NOT NULL REFERENCES work_items(id),
        member_id bigint NOT NULL REFERENCES members(id),
        user_id bigint NOT NULL REFERENCES users(id),
        task_id bigint NOT NULL REFERENCES tasks(id),
        datum_id bigint NOT NULL REFERENCES data(id),
        status text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'submitted', 'released', 'expired')),
        -- SHA-256 of the submit_to token
        token_hash bytea NOT NULL UNIQUE,
        reward_cents bigint NOT NULL CHECK (reward_cents >= 0),
        expires timestamptz NOT NULL,
        submitted_at timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX assignments_user_idx ON assignments (user_id, id DESC);
      CREATE INDEX assignments_member_idx ON assignments (member_id, status);
      CREATE INDEX assignments_live_idx ON assignments (expires) WHERE status = 'claimed';

      CREATE TABLE submissions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        assignment_id bigint NOT NULL UNIQUE REFERENCES assignments(id),
        datum_id bigint NOT NULL REFERENCES data(id),
        task_id bigint NOT NULL REFERENCES tasks(id),
        member_id bigint NOT NULL REFERENCES members(id),
        parameters jsonb NOT NULL,
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX submissions_datum_idx ON submissions (datum_id, id);

      ---------------------------------------------------------------- files
      -- Bytes are stored once per owner and checksum; each upload is its own File.
      CREATE TABLE file_blobs (
        owner_id bigint NOT NULL REFERENCES users(id),
        checksum text NOT NULL,
        file_size bigint NOT NULL,
        storage_key text NOT NULL,
        created timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner_id, checksum)
      );
      CREATE TABLE files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id bigint NOT NULL REFERENCES users(id),
        batch_id bigint NOT NULL REFERENCES batches(id),
        datum_id bigint REFERENCES data(id),
        name text NOT NULL,
        checksum text NOT NULL,
        file_size bigint NOT NULL,
        duplicate boolean NOT NULL,
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX files_datum_idx ON files (datum_id);

      ---------------------------------------------------------------- webhooks
      CREATE TABLE webhooks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        batch_id bigint NOT NULL REFERENCES batches(id),
        destination text NOT NULL,
        secret text NOT NULL,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX webhooks_batch_idx ON webhooks (batch_id, id);

      -- One event for one webhook: queued in the transaction that completes the batch (outbox).
      CREATE TABLE webhook_deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        webhook_id bigint NOT NULL REFERENCES webhooks(id),
        -- the webhook-id header: the same on every attempt of this event
        event_id text NOT NULL,
        -- the exact body, rendered at the first attempt and reused by every retry
        payload text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempt_count int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        locked_until timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);

      CREATE TABLE webhook_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id bigint NOT NULL REFERENCES webhook_deliveries(id),
        attempt int NOT NULL,
        status_code int,
        duration_ms int NOT NULL,
        error text,
        next_attempt_at timestamptz,
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

      ---------------------------------------------------------------- background jobs
      -- A small Postgres queue (claimed with SKIP LOCKED) for work done outside requests: mail, sweeps.
      CREATE TABLE jobs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        queue text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        run_at timestamptz NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_error text,
        created timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX jobs_due_idx ON jobs (run_at, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE jobs, webhook_attempts, webhook_deliveries, webhooks, files, file_blobs, submissions,
        assignments, work_items, batch_connections, data, batches, payouts, card_charges, payment_methods,
        ledger_entries, ledger_transactions, ledger_accounts, subscriptions, invites, members, connections,
        tasks, workspaces, guilds;
      DROP FUNCTION ledger_apply_entry, ledger_check_balanced, ledger_immutable;
    `);
  }
}
