import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BatchEventsService } from './batch-events.service';
import { ProgressHub } from './progress-hub';
import { ProgressService } from './progress.service';
import { ResultsController } from './results.controller';
import { ResultsService } from './results.service';

/** Results out (API.md §13): the results API and exports, live progress, and the submit's webhook events. */
@Module({
  imports: [WebhooksModule],
  controllers: [ResultsController],
  providers: [ResultsService, ProgressService, ProgressHub, BatchEventsService],
  exports: [BatchEventsService],
})
export class ResultsModule {}
