import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { digestsEqual, sha256 } from '../auth/credentials';
import { Public } from '../auth/caller';
import { ApiError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Metrics } from './metrics.service';

/** GET /metrics, Prometheus text format; `Authorization: Bearer $METRICS_TOKEN` when that is set. */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = this.config.metricsToken;
    if (token !== undefined) {
      const given = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      // compare digests: equal length, constant time
      if (given === undefined || !digestsEqual(sha256(given), sha256(token))) {
        throw new ApiError(401, 'Unauthorized', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>', undefined, {
          'WWW-Authenticate': 'Bearer realm="metrics"',
        });
      }
    }
    const text = await this.metrics.render();
    res.status(200).type(this.metrics.contentType).send(text);
  }
}
