import { ApiProperty } from '@nestjs/swagger';
import { Cents, ListOf, MoneyText, ObjectName, Timestamp, WireId, WireIdOrNull } from '../../common/openapi/properties';

/** The wire objects of transaction.presenter.ts. */
export class Transaction {
  @ObjectName('Transaction') object: 'Transaction';
  @WireId({ example: '3' }) id: string;
  @ApiProperty({
    enum: ['Guild Credit', 'Guild Debit', 'Fiat Credit', 'Fiat Debit'],
    example: 'Guild Debit',
    description: 'the direction, seen from the wallet',
  })
  type: 'Guild Credit' | 'Guild Debit' | 'Fiat Credit' | 'Fiat Debit';
  @MoneyText('$12.00', 'a positive magnitude; `type` says the direction') amount: string;
  @Cents(1200) amount_cents: number;
  @ApiProperty({
    enum: ['charge', 'payment', 'reward', 'refund', 'payout', 'bonus', 'appeal'],
    example: 'reward',
    description: 'what moved the money (API.md §11.6): a card charge, a batch payment, a reward, a refund, a payout, a bonus, an approved appeal',
  })
  reason: 'charge' | 'payment' | 'reward' | 'refund' | 'payout' | 'bonus' | 'appeal';
  @WireIdOrNull({ description: 'the batch the movement belongs to (payments, rewards, refunds, bonuses, appeals); null for charges and payouts' })
  batch_id: string | null;
  @Timestamp() created: string;
}

export class Wallet {
  @ObjectName('Wallet') object: 'Wallet';
  @WireId({ example: '2' }) id: string;
  @WireId() guild_id: string;
  @MoneyText('$12.00') balance: string;
  @Cents(1200) balance_cents: number;
  @ApiProperty({ type: () => [Transaction], description: 'newest first, at most 100 (a List under OpenGuilds-Version 2018-12-18)' })
  transactions: Transaction[];
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class Payout {
  @ObjectName('Payout') object: 'Payout';
  @WireId() id: string;
  @WireId({ example: '2' }) wallet_id: string;
  @MoneyText('$5.00') amount: string;
  @Cents(500) amount_cents: number;
  @ApiProperty({ enum: ['requested', 'approved', 'declined'], example: 'requested' }) status: 'requested' | 'approved' | 'declined';
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

/** Only what identifies the card to its owner. */
export class PaymentMethod {
  @ObjectName('PaymentMethod') object: 'PaymentMethod';
  @WireId() id: string;
  @ApiProperty({ type: String, nullable: true, example: 'Visa' }) brand: string | null;
  @ApiProperty({ type: String, nullable: true, example: '4242' }) last4: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 12 }) exp_month: number | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 2030 }) exp_year: number | null;
  @Timestamp() created: string;
}

export const WalletList = ListOf(Wallet, '/api/wallets');
export const TransactionList = ListOf(Transaction, '/api/wallets/2/transactions');
export const PayoutList = ListOf(Payout, '/api/guilds/1/payouts');
export const PaymentMethodList = ListOf(PaymentMethod, '/api/payment_methods');
