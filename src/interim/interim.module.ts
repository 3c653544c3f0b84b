import { Global, Module } from '@nestjs/common';
import { GuildAccess, PipelineService } from './guilds';
import { MoneyService } from './money';
import { WebhooksService } from './webhooks';

/** INTERIM: provides the stand-ins of README.md until GuildsModule, TasksModule, TransactionsModule and WebhooksModule land. */
@Global()
@Module({ providers: [GuildAccess, PipelineService, MoneyService, WebhooksService], exports: [GuildAccess, PipelineService, MoneyService, WebhooksService] })
export class InterimModule {}
