import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { SkipThrottle } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { Public } from '../auth/caller';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { Liveness, Readiness } from './health.response';

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
  @ApiOperation({ operationId: 'getHealth', summary: 'The process is up', security: [] })
  @ApiResponse({ status: 200, type: Liveness, description: 'up' })
  @Get('health')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: the database answers and every migration is applied. 503 otherwise. */
  @ApiOperation({ operationId: 'getReadiness', summary: 'Ready to serve: the database answers and every migration is applied', security: [] })
  @ApiResponse({ status: 200, type: Readiness, description: 'ready' })
  @ApiResponse({
    status: 503,
    type: Readiness,
    description: 'not ready: `error` says which dependency is down',
    headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer', example: 5 } } },
  })
  @Get('ready')
  // terminus' own swagger entries are Swagger-2 shaped (invalid OpenAPI 3); Readiness documents the answer
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  async ready(@Res({ passthrough: true }) res: Response) {
    try {
      return await this.check();
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      // keep terminus' report (which dependency is down) rather than the generic error shape
      res.status(503).setHeader('Retry-After', '5');
      return err.getResponse();
    }
  }

  private check() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      async () => {
        const indicator = this.indicators.check('migrations');
        try {
          return (await this.db.showMigrations()) ? indicator.down({ pending: true }) : indicator.up();
        } catch {
          return indicator.down({ message: 'cannot read the migrations table' });
        }
      },
    ]);
  }
}
