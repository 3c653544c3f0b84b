import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LOGGER, Logger } from '../logging/logger';
import { WorkService } from './work.service';

/**
 * Every process runs this timer: claims whose lease lapsed are ended (refunded when their batch
 * was canceled). Safe with many processes: each row is locked with SKIP LOCKED and the refund is
 * idempotent on its business key. Claims never depend on it (a lapsed claim is claimable).
 */
@Injectable()
export class LeaseSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly work: WorkService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const everyMs = this.config.mode === 'test' ? 500 : 10_000;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.work
        .sweepLapsed()
        .then((n) => n > 0 && this.logger.info({ ended: n }, 'ended lapsed claims'))
        .catch((err) => this.logger.warn({ err }, 'lease sweep failed'))
        .finally(() => (this.running = undefined));
    }, everyMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
