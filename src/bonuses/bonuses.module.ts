import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { BonusesController } from './bonuses.controller';
import { GiveBonus } from './give-bonus.usecase';

/** Bonuses (API.md §12.4): owns the bonuses table; the money moves through MoneyService. */
@Module({
  imports: [LedgerModule],
  controllers: [BonusesController],
  providers: [GiveBonus],
})
export class BonusesModule {}
