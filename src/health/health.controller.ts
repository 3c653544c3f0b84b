import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { SkipThrottle } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { Public } from '../auth/caller';

@ApiTags('Operations')
@Public()
@SkipThrottle()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** The process is up. Says nothing about its dependencies, so an orchestrator never restarts it for a database outage. */
  @Get('health')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: the database answers and every migration is applied. 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('migrations');
        const pending = await this.db.showMigrations();
        return pending ? indicator.down({ pending: true }) : indicator.up();
      },
    ]);
  }
}
