import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LOGGER, Logger } from '../logging/logger';
import { QueueService } from '../queue/queue.service';
import { WorkService } from './work.service';

export const LEASE_SWEEP_TASK = 'lease-sweep';

/**
 * A periodic queue job (one series shared by all processes): claims whose lease lapsed are ended
 * (refunded when their batch was canceled). Safe with many processes: each row is locked with
 * SKIP LOCKED and the refund is idempotent on its business key. Claims never depend on it (a
 * lapsed claim is claimable).
 */
@Injectable()
export class LeaseSweeper implements OnModuleInit {
  constructor(
    private readonly work: WorkService,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queue.repeat(LEASE_SWEEP_TASK, this.config.leaseSweepIntervalMs, async () => {
      const n = await this.work.sweepLapsed();
      if (n > 0) this.logger.info({ ended: n }, 'ended lapsed claims');
    });
  }
}
