import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { money } from '../common/money';
import { wireId, wireTime } from '../common/wire';
import { presentDatum } from '../batches/datum.presenter';
import { sql } from '../database/sql';
import { eventBody } from '../webhooks/events';
import { WebhooksService } from '../webhooks/webhooks.service';
import { presentProgress, ProgressRow } from './result.presenter';
import { PROGRESS_SQL } from './result-sql';

/** What a submit made, as SUBMIT_SQL returns it. */
export interface SubmitFacts {
  batchId: string;
  assignmentId: string;
  workItemId: string;
  taskId: string;
  memberId: string;
  rewardCents: number;
  submissionId: string;
  submissionCreated: Date;
  claimedAt: Date;
  submittedAt: Date;
  submitted: Record<string, unknown>;
  datum: { id: string; status: string; parameters: Record<string, unknown>; created: Date; updated: Date };
}

/**
 * The webhook events of a submit (API.md §13.4): submission.created, datum.completed when the
 * submit finished the datum, and batch.progress (at most once a minute per webhook). Called
 * inside the submit's transaction only when a webhook of the batch lists one of them, so the
 * deliveries commit (or roll back) with the submit.
 */
@Injectable()
export class BatchEventsService {
  constructor(private readonly webhooks: WebhooksService) {}

  async afterSubmit(em: EntityManager, f: SubmitFacts): Promise<void> {
    const now = new Date();
    const events = [
      {
        type: 'submission.created',
        payload: eventBody(
          'submission.created',
          {
            object: 'Submission',
            id: wireId(f.submissionId),
            assignment_id: wireId(f.assignmentId),
            task_id: wireId(f.taskId),
            datum_id: wireId(f.datum.id),
            member_id: wireId(f.memberId),
            parameters: f.submitted,
            // without review (§12) every answer is approved at submit
            status: 'approved',
            ...money('reward', f.rewardCents),
            seconds: Math.round((f.submittedAt.getTime() - f.claimedAt.getTime()) / 1000),
            created: wireTime(f.submissionCreated),
            updated: wireTime(f.submissionCreated),
          },
          now,
        ),
      },
    ];
    if (f.datum.status === 'completed') {
      events.push({
        type: 'datum.completed',
        payload: eventBody('datum.completed', presentDatum({ ...f.datum, batch_id: f.batchId, open_work_count: 0, status: 'completed' }), now),
      });
    }
    await this.webhooks.enqueueEvents(em, f.batchId, events, async () => {
      const [row] = await sql<ProgressRow>(em, PROGRESS_SQL, [f.batchId]);
      return eventBody('batch.progress', presentProgress(row), now);
    });
  }
}
