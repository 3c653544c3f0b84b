import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from '../common/idempotency';
import { GuildsModule } from '../guilds/guilds.module';
import { TasksModule } from '../tasks/tasks.module';
import { GoldController } from './gold.controller';
import { GoldRepository } from './gold.repository';
import { GoldService } from './gold.service';
import { SkillsRefresh } from './skills-refresh';

/**
 * Quality (API.md §11): gold CRUD and the Dawid–Skene refresh job; skills, the WorkerSkill list and
 * gold serving come next (docs/quality-and-scale.md). The model and the rules are pure
 * code in aggregation/, rules/ and settings/, used by this module, the tasks module and bench/crowd.
 */
@Module({
  imports: [GuildsModule, TasksModule],
  controllers: [GoldController],
  providers: [GoldService, GoldRepository, IdempotencyInterceptor, SkillsRefresh],
})
export class QualityModule {}
