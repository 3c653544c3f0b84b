import { Global, Module } from '@nestjs/common';
import { JobQueue } from './job-queue.service';

/** The background job queue (docs/jobs.md). Global: any module may inject JobQueue. */
@Global()
@Module({
  providers: [JobQueue],
  exports: [JobQueue],
})
export class JobsModule {}
