import { Module } from '@nestjs/common';
import { WorkModule } from '../work/work.module';
import { NextClaimer } from './next-claimer';
import { WorkerPagesController } from './worker-pages.controller';
import { WorkerPagesService } from './worker-pages.service';
import { WorkNextClaimer } from './work-next-claimer';

/** The worker's pages: the sample workspace, the after-submit page, /work. See docs/worker-experience.md. */
@Module({
  imports: [WorkModule],
  controllers: [WorkerPagesController],
  providers: [WorkerPagesService, { provide: NextClaimer, useClass: WorkNextClaimer }],
})
export class PagesModule {}
