import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, API keys and stored idempotent responses. */
export class Accounts1732400000000 implements MigrationInterface {
  name = 'Accounts1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email text NOT NULL,
        password_hash text NOT NULL,
        stripe_customer_id text,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE api_keys (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES users(id),
        name text,
        -- SHA-256 of the key; the key itself is shown once and never stored
        key_hash bytea NOT NULL UNIQUE,
        -- last characters of the key, so a user can tell their keys apart
        key_hint text NOT NULL,
        last_used timestamptz,
        created timestamptz NOT NULL DEFAULT now(),
        updated timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      CREATE INDEX api_keys_user_idx ON api_keys (user_id);

      -- Responses of money-moving POSTs kept for Idempotency-Key replays.
      CREATE TABLE idempotency_keys (
        user_id bigint NOT NULL REFERENCES users(id),
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        response_status int,
        response_body jsonb,
        created timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys; DROP TABLE api_keys; DROP TABLE users;`);
  }
}
