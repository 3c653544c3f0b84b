import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from '../common/idempotency';
import { GuildsModule } from '../guilds/guilds.module';
import { TasksModule } from '../tasks/tasks.module';
import { GoldController } from './gold.controller';
import { GoldRepository } from './gold.repository';
import { GoldService } from './gold.service';

/**
 * Quality (API.md §11): gold CRUD today; skills, the WorkerSkill list and the aggregation job come
 * with the claim/submit integration (docs/quality-and-scale.md). The model and the rules are pure
 * code in aggregation/, rules/ and settings/, used by this module, the tasks module and bench/crowd.
 */
@Module({
  imports: [GuildsModule, TasksModule],
  controllers: [GoldController],
  providers: [GoldService, GoldRepository, IdempotencyInterceptor],
})
export class QualityModule {}
