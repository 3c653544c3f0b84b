import { Global, Module } from '@nestjs/common';
import { GuildAccess, PipelineService } from './guilds';
import { WebhooksService } from './webhooks';

/** INTERIM: provides the stand-ins of README.md until GuildsModule, TasksModule and WebhooksModule land. */
@Global()
@Module({ providers: [GuildAccess, PipelineService, WebhooksService], exports: [GuildAccess, PipelineService, WebhooksService] })
export class InterimModule {}
