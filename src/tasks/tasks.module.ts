import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GuildsModule } from '../guilds/guilds.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ConnectionEntity } from './connection.entity';
import { PipelineService } from './pipeline.service';
import { TaskEntity } from './task.entity';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [TypeOrmModule.forFeature([TaskEntity, ConnectionEntity]), GuildsModule, WorkspacesModule],
  controllers: [TasksController],
  providers: [TasksService, PipelineService],
  exports: [PipelineService, TasksService],
})
export class TasksModule {}
