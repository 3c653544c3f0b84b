import { Injectable } from '@nestjs/common';
import { WorkService } from '../work/work.service';
import { NextClaimer } from './next-claimer';

/**
 * Claims on a worker's behalf through the work module's own claim (membership, subscription,
 * SKIP LOCKED, lease): the after-submit page proves who the worker is with a submitted
 * assignment's token instead of an API key, so the caller has no key id.
 */
@Injectable()
export class WorkNextClaimer extends NextClaimer {
  constructor(private readonly work: WorkService) {
    super();
  }

  async claimFor(userId: string, taskId: string) {
    const a = await this.work.claim({ userId, email: '', apiKeyId: '' }, taskId);
    return a ? { id: a.id, workspace_url: a.workspace_url } : undefined;
  }
}
