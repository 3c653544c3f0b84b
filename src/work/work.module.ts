import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches/batches.module';
import { GuildsModule } from '../guilds/guilds.module';
import { LedgerModule } from '../ledger/ledger.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ResultsModule } from '../results/results.module';
import { ClaimEndingsModule } from './claim-endings';
import { LeaseSweeper } from './lease-sweeper';
import { WorkController } from './work.controller';
import { WorkService } from './work.service';
import { SubmitAnswer } from './submit-answer.usecase';
import { SubmitGoldAnswer } from './submit-gold-answer.usecase';
import { ClaimGold } from './claim-gold.usecase';

@Module({
  imports: [BatchesModule, LedgerModule, GuildsModule, WebhooksModule, ClaimEndingsModule, ResultsModule],
  controllers: [WorkController],
  providers: [WorkService, SubmitAnswer, SubmitGoldAnswer, ClaimGold, LeaseSweeper],
  // the worker pages' "claim next" (src/pages) claims through the same code
  exports: [WorkService],
})
export class WorkModule {}
