import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from '../common/idempotency';
import { CardService } from './card.service';
import { MoneyService } from './money.service';
import { PayoutsService } from './payouts.service';
import { stripeProvider } from './stripe.provider';
import { WalletsController } from './wallets.controller';
import { WalletsService } from './wallets.service';

/**
 * Money: the double-entry ledger, wallets, cards and Stripe charges, payouts. Other modules use
 * MoneyService (fundPayment + debitPayment, reward, refund), presentTransaction and the @Idempotent() decorator.
 */
@Module({
  controllers: [WalletsController],
  providers: [stripeProvider, CardService, MoneyService, WalletsService, PayoutsService, IdempotencyInterceptor],
  exports: [MoneyService, IdempotencyInterceptor],
})
export class LedgerModule {}
