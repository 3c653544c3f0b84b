import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { UserEntity } from './auth.entities';

/**
 * The only code that writes the users table (the auth module owns `users`; docs/architecture.md,
 * "Who owns which table"), api_keys' writes are in api-keys.repository.ts. The ledger's card code
 * stores the Stripe customer through here.
 */

export function insertUser(em: EntityManager, email: string, passwordHash: string): Promise<UserEntity> {
  return em.save(em.create(UserEntity, { email, passwordHash }));
}

/** Locks the user row until the transaction ends (serialises the creation of the user's keys). */
export async function lockUser(em: EntityManager, userId: string): Promise<void> {
  await sql(em, 'SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
}

export interface UserBillingRow {
  email: string;
  stripe_customer_id: string | null;
  created: Date;
}

export function billingOf(em: EntityManager, userId: string): Promise<UserBillingRow | undefined> {
  return sqlOne<UserBillingRow>(em, `SELECT email, stripe_customer_id, created FROM users WHERE id = $1`, [userId]);
}

/** Stores the user's Stripe customer unless one is stored already; returns the stored one. */
export async function storeStripeCustomer(em: EntityManager, userId: string, customerId: string): Promise<string> {
  const row = await sqlOne<{ stripe_customer_id: string }>(
    em,
    `UPDATE users SET stripe_customer_id = coalesce(stripe_customer_id, $2), updated = now() WHERE id = $1 RETURNING stripe_customer_id`,
    [userId, customerId],
  );
  return row!.stripe_customer_id;
}
