import { Global, Module } from '@nestjs/common';
import { QueueService } from './queue.service';

/** The job queue (graphile-worker; docs/architecture.md). Global: any module may inject QueueService. */
@Global()
@Module({
  providers: [QueueService],
  exports: [QueueService],
})
export class QueueModule {}
