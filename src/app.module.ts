import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuthModule } from './auth/auth.module';
import { ContentTypeGuard } from './common/http-conventions';
import { ApiKeyThrottlerGuard } from './common/rate-limit.guard';
import { PostgresThrottlerStorage, RateLimitStore } from './common/rate-limit-store';
import { DataSource } from 'typeorm';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { watchedClientClass } from './database/connection-errors';
import { GuildsModule } from './guilds/guilds.module';
import { HealthModule } from './health/health.module';
import { QueueModule } from './queue/queue.module';
import { MembersModule } from './members/members.module';
import { TasksModule } from './tasks/tasks.module';
import { QualityModule } from './quality/quality.module';
import { WorkspacesModule } from './workspaces/workspaces.module';
import { BatchesModule } from './batches/batches.module';
import { WorkModule } from './work/work.module';
import { BonusesModule } from './bonuses/bonuses.module';
import { ResultsModule } from './results/results.module';
import { LOGGER, Logger } from './logging/logger';
import { MetricsModule } from './metrics/metrics.module';
import { LedgerModule } from './ledger/ledger.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { PagesModule } from './pages/pages.module';

/** Wires the modules. `config` is fully resolved by bootstrap (database URL, Stripe endpoint). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          autoLoadEntities: true,
          synchronize: false,
          migrationsRun: false,
          logging: false,
          // Fail fast while the database is down instead of queueing requests behind a dead pool.
          // Every connection listens for its own death (a database outage must not end the process).
          extra: { max: config.databasePoolSize, connectionTimeoutMillis: 5000, Client: watchedClientClass(logger, 'app') },
          // an idle connection's death: already logged by the connection's own listener
          poolErrorHandler: () => undefined,
          retryAttempts: 3,
          retryDelay: 500,
        }),
        ThrottlerModule.forRootAsync({
          inject: [DataSource],
          // counters in PostgreSQL unless RATE_LIMIT_STORE=memory: every process counts the same key
          useFactory: (ds: DataSource) => ({
            throttlers: [{ ttl: 60_000, limit: config.rateLimitPerMinute }],
            storage: config.rateLimitStore === 'postgres' ? new PostgresThrottlerStorage(new RateLimitStore(ds)) : undefined,
          }),
        }),
        MetricsModule,
        AuthModule,
        HealthModule,
        LedgerModule,
        QueueModule,
        GuildsModule,
        WorkspacesModule,
        TasksModule,
        QualityModule,
        MembersModule,
        WebhooksModule,
        BatchesModule,
        WorkModule,
        BonusesModule,
        ResultsModule,
        PagesModule,
      ],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: RateLimitStore, inject: [DataSource], useFactory: (ds: DataSource) => new RateLimitStore(ds) },
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        // authentication before the body is read: ContentTypeGuard reads it, so it comes last
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ContentTypeGuard },
      ],
      exports: [LOGGER, RateLimitStore],
      global: true,
    };
  }
}
