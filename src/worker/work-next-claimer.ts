import { Injectable } from '@nestjs/common';
import { gone } from '../common/errors';
import { NextClaimer } from './next-claimer';

/** Interim until the work module lands: claiming from the after-submit page is not available yet. */
@Injectable()
export class WorkNextClaimer extends NextClaimer {
  async claimFor(): Promise<undefined> {
    throw gone('Claiming from this page is not available yet; claim from your work page.');
  }
}
