import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { ApiError, badGateway, conflict, invalidField, notFound, paymentRequired } from '../common/errors';
import { toCents } from '../common/money';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { LOGGER, Logger } from '../logging/logger';
import { ensureWallet, failCharge, insertPaymentMethod, insertPendingCharge, linkChargeToLedger, post, succeedCharge, worldAccount } from './ledger.repository';
import { STRIPE } from './stripe.provider';
import { billingOf, storeStripeCustomer } from '../auth/users.repository';

/** Stripe's smallest USD charge (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
export const STRIPE_MINIMUM_CHARGE_CENTS = 50;

export interface PaymentMethodRow {
  id: string;
  user_id: string;
  stripe_source_id: string;
  brand: string | null;
  last4: string | null;
  exp_month: number | null;
  exp_year: number | null;
  created: Date;
  updated: Date;
}

export interface CardChargeRow {
  id: string;
  user_id: string;
  purpose_key: string;
  amount_cents: string;
  status: 'pending' | 'succeeded' | 'failed';
  stripe_charge_id: string | null;
  decline_code: string | null;
  payment_method_id: string | null;
  created: Date;
}

/** 503: Stripe could not be reached or failed on its side; the charge row stays 'pending'. */
export const stripeUnavailable = () =>
  new ApiError(503, 'ServiceUnavailable', 'The payment processor could not be reached; nothing was charged twice and it is safe to retry', undefined, {
    'Retry-After': '5',
  });

function stripeErrorType(err: unknown): string | undefined {
  return (err as { type?: string })?.type;
}

/**
 * Cards and card charges. Card data never leaves this file beyond brand/last4/expiry, and no
 * Stripe object or token is ever logged.
 */
@Injectable()
export class CardService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * The caller's Stripe customer, created on first use. Concurrent first uses send the same
   * Stripe idempotency key (derived from the user), so they get the same customer; the id is
   * stored only where none is stored yet.
   */
  async customerFor(userId: string): Promise<string> {
    const user = await billingOf(this.db.manager, userId);
    if (!user) throw notFound('User', userId);
    if (user.stripe_customer_id) return user.stripe_customer_id;
    let customer: Stripe.Customer;
    try {
      customer = await this.stripe.customers.create(
        { email: user.email, metadata: { openguilds_user_id: String(userId) } },
        { idempotencyKey: `openguilds:customer:${userId}:${user.created.getTime()}` },
      );
    } catch (err) {
      throw this.mapStripeError(err, 'customer');
    }
    return storeStripeCustomer(this.db.manager, userId, customer.id);
  }

  async attachCard(userId: string, source: string): Promise<PaymentMethodRow> {
    const customerId = await this.customerFor(userId);
    let card: Stripe.CustomerSource;
    try {
      card = await this.stripe.customers.createSource(customerId, { source });
    } catch (err) {
      throw this.mapStripeError(err, 'card');
    }
    const c = card as Stripe.Card;
    // a source Stripe accepted but that is no card (or a lax mock's empty answer) cannot be charged
    if (!c?.id) throw invalidField('source', 'is not a usable card token');
    return insertPaymentMethod(this.db.manager, {
      userId,
      sourceId: c.id,
      brand: c.brand ?? null,
      last4: c.last4 ?? null,
      expMonth: c.exp_month ?? null,
      expYear: c.exp_year ?? null,
    });
  }

  listCards(userId: string, page: Page): Promise<PaymentMethodRow[]> {
    return this.db.query(`SELECT * FROM payment_methods WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, [userId, page.limit + 1, page.offset]);
  }

  /**
   * Makes sure `shortfallCents` (at least) has been charged for `purposeKey` and credited to the
   * payer's wallet as a Fiat Credit, in a database transaction of its own. Charges for one purpose
   * are numbered (`<purpose>:charge:1`, `:2`, …; card_charges.purpose_key is unique):
   * - a 'pending' charge (an earlier attempt died talking to Stripe, or a concurrent request is
   *   charging right now) is resumed with the same idempotency key, card and amount, so Stripe
   *   makes it at most once;
   * - otherwise a new numbered row is claimed; losing that race means another request claimed
   *   it, and its row is resumed instead.
   * `knownCharges` is the number of charge rows of this purpose in the caller's snapshot.
   */
  async chargeShortfall(p: { userId: string; guildId: string; purposeKey: string; shortfallCents: number; charges: CardChargeRow[] }): Promise<void> {
    let row = p.charges.find((c) => c.status === 'pending');
    if (!row) {
      const card: PaymentMethodRow[] = await this.db.query(`SELECT * FROM payment_methods WHERE user_id = $1 ORDER BY id DESC LIMIT 1`, [p.userId]);
      if (card.length === 0) {
        throw paymentRequired('The wallet balance is less than the cost and no payment method is on file; add a card with POST /api/payment_methods', {
          code: 'no_payment_method',
        });
      }
      const key = `${p.purposeKey}:charge:${p.charges.length + 1}`;
      // Stripe refuses USD charges under its minimum; charge the minimum and the rest stays in the wallet.
      const amountCents = Math.max(p.shortfallCents, STRIPE_MINIMUM_CHARGE_CENTS);
      const inserted = await insertPendingCharge(this.db.manager, { userId: p.userId, purposeKey: key, amountCents, paymentMethodId: String(card[0].id) });
      if (inserted) row = inserted;
      else {
        const existing: CardChargeRow[] = await this.db.query(`SELECT * FROM card_charges WHERE purpose_key = $1`, [key]);
        row = existing[0];
        if (row.status === 'succeeded') return; // a concurrent request charged and credited it
        if (row.status === 'failed') throw paymentRequired('The card was declined', { code: 'card_declined', decline_code: row.decline_code });
      }
    }
    await this.runCharge(row, p.guildId);
  }

  /** Sends one charge row to Stripe (idempotently) and books the outcome. */
  private async runCharge(row: CardChargeRow, guildId: string): Promise<void> {
    const pm: PaymentMethodRow[] = await this.db.query(`SELECT * FROM payment_methods WHERE id = $1`, [row.payment_method_id]);
    const customerId = await this.customerFor(row.user_id);
    const amount = toCents(row.amount_cents);
    let charge: Stripe.Charge;
    try {
      charge = await this.stripe.charges.create(
        {
          amount,
          currency: 'usd',
          customer: customerId,
          source: pm[0].stripe_source_id,
          description: `OpenGuilds ${row.purpose_key}`,
          metadata: { purpose_key: row.purpose_key, openguilds_user_id: String(row.user_id), card_charge_id: String(row.id) },
        },
        // Derived from what is paid for; the row's creation time keeps it unique if the database is ever reset.
        { idempotencyKey: `openguilds:${row.purpose_key}:${row.created.getTime()}` },
      );
    } catch (err) {
      const type = stripeErrorType(err);
      if (type === 'StripeCardError') {
        const e = err as { code?: string; decline_code?: string; message?: string };
        await failCharge(this.db.manager, row.id, e.decline_code ?? e.code ?? 'card_declined');
        this.logger.info({ cardChargeId: row.id, code: e.code, declineCode: e.decline_code }, 'card charge declined');
        throw paymentRequired(e.message ?? 'The card was declined', { code: e.code ?? 'card_declined', decline_code: e.decline_code ?? null });
      }
      const mapped = this.mapStripeError(err, 'charge', row.id);
      // a refusal that is not "unreachable" or "in progress" ends this charge row, so the next
      // attempt (with another card, say) starts a new one instead of resuming this one forever
      if (mapped instanceof ApiError && mapped.getStatus() !== 503 && mapped.getStatus() !== 409) {
        await failCharge(this.db.manager, row.id, (err as { code?: string }).code ?? 'refused');
      }
      throw mapped;
    }
    if (charge.status !== 'succeeded' && charge.paid !== true) {
      await failCharge(this.db.manager, row.id, charge.failure_code ?? 'charge_failed');
      throw paymentRequired('The card charge failed', { code: charge.failure_code ?? 'charge_failed', decline_code: charge.outcome?.reason ?? null });
    }
    // Book the money in its own committed transaction: from here on it is in the wallet.
    await inTransaction(this.db, async (em) => {
      const updated = await succeedCharge(em, row.id, charge.id);
      if (!updated) return; // a concurrent resume booked it already
      const wallet = await ensureWallet(em, guildId, row.user_id);
      const posted = await post(em, {
        kind: 'card_charge',
        businessKey: row.purpose_key,
        from: await worldAccount(em),
        to: wallet,
        amountCents: amount,
        currency: 'Fiat',
      });
      if (posted) await linkChargeToLedger(em, row.id, posted.ledgerTransactionId);
    });
  }

  /** Stripe failures other than a decline. Nothing is logged but the error type and code. */
  private mapStripeError(err: unknown, what: string, cardChargeId?: string): Error {
    const type = stripeErrorType(err);
    const e = err as { code?: string; decline_code?: string; message?: string; statusCode?: number; param?: string };
    if (type === 'StripeCardError') {
      return paymentRequired(e.message ?? 'The card was declined', { code: e.code ?? 'card_declined', decline_code: e.decline_code ?? null });
    }
    if (type === 'StripeIdempotencyError' || (type === 'StripeInvalidRequestError' && e.statusCode === 409)) {
      return conflict('A payment for this is already in progress; retry shortly');
    }
    this.logger.warn({ what, cardChargeId, stripeErrorType: type, code: e.code, param: e.param, statusCode: e.statusCode }, 'Stripe request failed');
    // 503 "safe to retry" only when Stripe could not be reached or failed on its side
    if (type === 'StripeConnectionError' || type === 'StripeAPIError' || type === 'StripeRateLimitError' || type === undefined || (e.statusCode ?? 0) >= 500) {
      return stripeUnavailable();
    }
    // Stripe answered 4xx: the same request will fail the same way, so say what is wrong (issue 13:
    // this was a 503 and clients retried forever)
    const missing = e.code === 'resource_missing' || e.code === 'missing';
    const about = `${e.param ?? ''} ${e.message ?? ''}`;
    if (missing && /\b(source|card)\b/i.test(about)) {
      if (what === 'card') return invalidField('source', 'is not a card token the payment processor knows');
      return paymentRequired('The card on file is not known to the payment processor any more; add a card with POST /api/payment_methods', {
        code: 'payment_method_unknown',
        decline_code: null,
      });
    }
    if (type === 'StripeInvalidRequestError' && what === 'card' && !/customer/i.test(about)) {
      return invalidField('source', 'is not a usable card token');
    }
    // our request or our account is wrong (unknown customer, bad key, permissions): ours to fix
    return badGateway(
      `The payment processor refused our request (${e.code ?? type}); this is a problem on our side and retrying will not help. Nothing was charged.`,
    );
  }
}
