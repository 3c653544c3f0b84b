import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The card a charge was made on. A retried charge (the row is still 'pending' after a network
 * failure) must send Stripe exactly the same parameters under the same idempotency key, so the
 * source is fixed when the charge row is written, not looked up again on retry.
 */
export class CardChargeSource1732400040000 implements MigrationInterface {
  name = 'CardChargeSource1732400040000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE card_charges ADD COLUMN payment_method_id bigint REFERENCES payment_methods(id);
      CREATE INDEX card_charges_user_idx ON card_charges (user_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX card_charges_user_idx; ALTER TABLE card_charges DROP COLUMN payment_method_id;`);
  }
}
