import { Module } from '@nestjs/common';
import { IdempotencyInterceptor } from '../common/idempotency';
import { GuildsModule } from '../guilds/guilds.module';
import { TasksModule } from '../tasks/tasks.module';
import { GoldController } from './gold.controller';
import { GoldRepository } from './gold.repository';
import { GoldService } from './gold.service';
import { SkillsRefresh } from './skills-refresh';
import { SkillsController } from './skills.controller';
import { SkillsService } from './skills.service';

/**
 * Quality (API.md §11): gold CRUD, the WorkerSkill list and the Dawid–Skene refresh job. Gold is
 * served by the work module's claim (src/work/claim-gold.usecase.ts) on this module's tables
 * (gold-serving.repository.ts). The model and the rules are pure
 * code in aggregation/, rules/ and settings/, used by this module, the tasks module and bench/crowd.
 */
@Module({
  imports: [GuildsModule, TasksModule],
  controllers: [GoldController, SkillsController],
  providers: [GoldService, GoldRepository, IdempotencyInterceptor, SkillsRefresh, SkillsService],
})
export class QualityModule {}
