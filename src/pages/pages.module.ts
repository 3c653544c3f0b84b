import { Module } from '@nestjs/common';
import { WorkModule } from '../work/work.module';
import { ConsoleController } from './console.controller';
import { NextClaimer } from './next-claimer';
import { WorkerPagesController } from './worker-pages.controller';
import { WorkerPagesService } from './worker-pages.service';
import { WorkNextClaimer } from './work-next-claimer';

/**
 * The pages for people: the worker's (sample workspace, after-submit page, /work; see
 * docs/worker-experience.md) and the requester's console and invite page (docs/console.md).
 */
@Module({
  imports: [WorkModule],
  controllers: [WorkerPagesController, ConsoleController],
  providers: [WorkerPagesService, { provide: NextClaimer, useClass: WorkNextClaimer }],
})
export class PagesModule {}
