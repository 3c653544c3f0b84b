import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { QueueService } from '../queue/queue.service';
import { SKILLS_REFRESH_TASK } from '../quality/skills-refresh';
import { EntityManager } from 'typeorm';
import { invalidField } from '../common/errors';
import { toCents } from '../common/money';
import { sql, sqlOne } from '../database/sql';
import { BatchesService } from '../batches/batches.service';
import { Params } from '../batches/datum-input';
import { countOnShard } from '../batches/batches.repository';
import { MoneyService } from '../ledger/money.service';
import { Aggregate, majority } from '../quality/aggregation/majority';
import { aggregateOf, datumPosterior, defaultConfusion } from '../quality/aggregation/dawid-skene';
import { unusedReservationCents } from '../quality/rules/cost';
import { doneWithDatum } from '../quality/rules/overlap';
import { FrozenQuality } from '../quality/settings/quality-settings';
import { BatchEventsService } from '../results/batch-events.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { AssignmentRow, WorkItemRow } from './rows';
import { closeGoldShare, countMemberAnswer } from '../quality/gold-serving.repository';
import { DONE_WITH_DATUM_SQL, ONE_MORE_SLOT_SQL, SLOT_ANSWER_SQL } from './work-sql';
import { countApprovedAnswer, expireClaimedAssignment } from './work.repository';

/** The assignment as the submit locked it (work.service.ts, SUBMIT_LOCK_ASSIGNMENT_SQL). */
export type SubmittingAssignment = AssignmentRow & { guild_id: string };

export type SubmitAnswerOutcome = 'submitted' | 'done_with_datum';

/** overlap.max lowered to what the work item still reserves (min with it, so the datum can finish). */
function cappedOverlap(o: { min: number; max: number; confidence: number }, reserved: number) {
  const max = Math.min(o.max, reserved);
  return { min: Math.min(o.min, max), max, confidence: o.confidence };
}

/** Digits kept of `<answer>_confidence` in the datum's parameters (work_items.confidence keeps the double). */
const CONFIDENCE_DIGITS = 4;

/**
 * The submit of an answer on a slot (API.md §11.1, §11.6 "Where §7 changes"; docs/quality-and-scale.md
 * B.4), in the caller's transaction, which already locked the work item and the assignment and
 * answered 404/409/410 for them (work.service.ts). Lock order: work item → assignment → slot →
 * successors → datum → batch → ledger accounts. Review is automatic for now: every answer is
 * approved at submit (manual review is issue 17).
 *
 * Only this datum's rows are written, plus one batch_shards row and — when the datum completes —
 * the batch row, as the §7 submit does.
 */
@Injectable()
export class SubmitAnswer {
  constructor(
    private readonly money: MoneyService,
    private readonly batches: BatchesService,
    private readonly webhooks: WebhooksService,
    private readonly events: BatchEventsService,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(em: EntityManager, w: WorkItemRow, a: SubmittingAssignment, parameters: Params): Promise<SubmitAnswerOutcome> {
    // 1. the slot: still this claim's? (the task may have been done with the datum meanwhile)
    const slot = await sqlOne<{ id: string; status: string; assignment_id: string | null }>(em, 'SELECT * FROM answer_slots WHERE id = $1 FOR UPDATE', [
      a.slot_id,
    ]);
    const reward = toCents(w.reward_cents);
    if (w.canceled && slot?.status === 'claimed' && String(slot.assignment_id) === String(a.id)) {
      // the batch was canceled while this was claimed: the work is paid (its reservation was kept
      // for it), nothing of the answer is kept (the batch's data are erased)
      await sql(em, SLOT_ANSWER_SQL, [a.id, w.datum_id, w.task_id, a.member_id, '{}', w.id, a.slot_id, null]);
      await this.payAnswer(em, w, a, reward);
      return 'submitted';
    }
    if (!slot || slot.status !== 'claimed' || String(slot.assignment_id) !== String(a.id)) {
      // its reservation went back to the requester when the task was done with the datum: the
      // claim ends as a lapsed one does
      await expireClaimedAssignment(em, a.id);
      return 'done_with_datum';
    }

    // 2. the answer: the frozen settings name it and may list its values (422 before anything changes)
    const settings = await sqlOne<{ quality: FrozenQuality }>(em, 'SELECT quality FROM batch_task_settings WHERE batch_id = $1 AND task_id = $2', [
      w.batch_id,
      w.task_id,
    ]);
    const q = settings!.quality;
    const name = q.answer!;
    const given = parameters[name];
    if (given === undefined) throw invalidField(`parameters.${name}`, `is required: this task combines the answers given as "${name}"`);
    if (q.labels && (typeof given !== 'string' || !q.labels.includes(given))) {
      throw invalidField(`parameters.${name}`, `must be one of the task's labels: ${q.labels.map((l) => JSON.stringify(l)).join(', ')}`);
    }
    const value = String(given);

    // 3. approve: the reservation pays it (a bug guard: by the slot rules one is always left). The
    // reward itself is paid last (step 5 or 6), after the datum and batch rows, as the lock order
    // says: the escrow's shard rows are the rows concurrent submits of the guild share, so they are
    // locked for the shortest time, just before commit, and never before a datum or batch row
    // (under load a reward paid here held an escrow shard across four more round trips; a bench
    // of 32 concurrent adaptive submits queued on them and deadlocked reward/refund pairs).
    const counted = await countApprovedAnswer(em, w.id);
    if (!counted) throw new Error(`work item ${w.id} has no reserved answer left for assignment ${a.id}`);
    const sub = (await sqlOne<{ submission_id: string; submission_created: Date; submitted_at: Date; answer_id: string }>(em, SLOT_ANSWER_SQL, [
      a.id,
      w.datum_id,
      w.task_id,
      a.member_id,
      JSON.stringify(parameters),
      w.id,
      a.slot_id,
      value,
    ]))!;
    await countMemberAnswer(em, a.member_id, w.task_id, null);
    // every N-th answer (by id: no counter row) refreshes the task's model, after this commits (B.7)
    if (q.aggregation === 'dawid_skene' && BigInt(sub.answer_id) % BigInt(this.config.qualityRefreshEveryAnswers) === 0n) {
      await this.queue.add(em, SKILLS_REFRESH_TASK, { task_id: String(w.task_id) }, { key: `${SKILLS_REFRESH_TASK}:${w.task_id}` });
    }

    // 4. the datum's aggregate from its own approved answers and the members' current matrices
    // (O(answers of this datum), whatever the task's history: ARCHITECTURE.md "Quality on the hot path")
    const answers = await sql<{ value: string; confusion: number[][] | null; priors: number[] | null }>(
      em,
      `SELECT an.value, sk.confusion, (SELECT priors FROM task_models WHERE task_id = $2) AS priors
         FROM answers an LEFT JOIN member_task_skills sk ON sk.member_id = an.member_id AND sk.task_id = $2
        WHERE an.work_item_id = $1 AND an.status = 'approved' ORDER BY an.id`,
      [w.id, w.task_id],
    );
    const labels = q.labels ?? [...new Set(answers.map((x) => x.value))];
    const indices = answers.map((x) => labels.indexOf(x.value));
    let agg: Aggregate;
    if (q.aggregation === 'dawid_skene' && q.labels) {
      const priors = answers[0]?.priors ?? new Array<number>(labels.length).fill(1 / labels.length);
      const fallback = defaultConfusion(labels.length);
      agg = aggregateOf(
        datumPosterior(
          priors,
          answers.map((x, i) => ({ confusion: x.confusion ?? fallback, label: indices[i] })),
        ),
      );
    } else {
      agg = majority(indices, labels.length);
    }
    const approved = counted.approved_answers;

    // 5. not done: one more slot when every outstanding one is answered (slots beyond min open only after an approval)
    // a gold answer paid from this datum's reservation lowered reserved_answers: that is its max now
    const overlap = cappedOverlap(q.overlap, w.reserved_answers);
    if (!doneWithDatum(overlap, approved, agg)) {
      await sql(em, ONE_MORE_SLOT_SQL, [w.id, Math.min(w.reserved_answers, Math.max(q.overlap.min, approved + 1)) - approved]);
      await this.payAnswer(em, w, a, reward);
      await this.afterSubmit(em, w, a, sub, reward, parameters);
      return 'submitted';
    }

    // 6. done with the datum: aggregate into its parameters, what it did not need back to the
    // requester, outstanding slots canceled, and the datum moves on as after a §7 submit
    const refund = unusedReservationCents(w.reserved_answers, approved, reward);
    const aggregate = labels[agg.label];
    const merged = { [name]: aggregate, [`${name}_confidence`]: Number(agg.confidence.toFixed(CONFIDENCE_DIGITS)) };
    const r = (await sqlOne<{ batch_status: string | null; just_completed: boolean; owner_id: string }>(em, DONE_WITH_DATUM_SQL, [
      w.id,
      aggregate,
      agg.confidence,
      refund,
      w.datum_id,
      w.task_id,
      w.batch_id,
      JSON.stringify(merged),
    ]))!;
    await this.payAnswer(em, w, a, reward);
    if (refund > 0) {
      await this.money.refund(em, {
        guildId: a.guild_id,
        requesterUserId: r.owner_id,
        amountCents: refund,
        businessKey: `work:${w.id}:refund`,
        batchId: w.batch_id,
      });
      await countOnShard(em, w.batch_id, w.datum_id, { refundedCents: refund });
    }
    await this.afterSubmit(em, w, a, sub, reward, parameters);
    if (r.batch_status === 'completed' && r.just_completed) await this.completed(em, w.batch_id, a.guild_id);
    return 'submitted';
  }

  /**
   * The batch just completed (in the transaction of the submit that completed it, so exactly
   * once): its unused gold share goes back to the requester, and the batch.completed webhooks are queued, their body showing the final money.
   */
  async completed(em: EntityManager, batchId: string, guildId: string): Promise<void> {
    const b = await sqlOne<{ owner_id: string }>(em, 'SELECT owner_id FROM batches WHERE id = $1', [batchId]);
    // what gold servings did not take (a live gold claim keeps its reward until it ends)
    const gold = await closeGoldShare(em, batchId);
    if (gold > 0) {
      await this.money.refund(em, { guildId, requesterUserId: b!.owner_id, amountCents: gold, businessKey: `batch:${batchId}:gold-refund`, batchId });
      await countOnShard(em, batchId, '0', { refundedCents: gold });
    }
    await this.webhooks.enqueueBatchCompleted(em, batchId, await this.batches.completedPayload(em, batchId));
  }

  /** The per-submit webhook events (§13.4), only when a webhook of the batch wants them. */
  /** The answer's reward, from the escrow its work item reserved, once per slot; counted on the batch's shard. */
  private async payAnswer(em: EntityManager, w: WorkItemRow, a: SubmittingAssignment, reward: number): Promise<void> {
    await this.money.reward(em, {
      guildId: a.guild_id,
      memberUserId: a.user_id,
      amountCents: reward,
      businessKey: `slot:${a.slot_id}:reward`,
      batchId: w.batch_id,
    });
    await countOnShard(em, w.batch_id, w.datum_id, { spentCents: reward, answers: 1 });
  }

  private async afterSubmit(
    em: EntityManager,
    w: WorkItemRow,
    a: SubmittingAssignment,
    sub: { submission_id: string; submission_created: Date; submitted_at: Date },
    reward: number,
    submitted: Params,
  ): Promise<void> {
    const d = await sqlOne<{ status: string; parameters: Params; created: Date; updated: Date; hooks: boolean }>(
      em,
      `SELECT status, parameters, created, updated,
              EXISTS (SELECT 1 FROM webhooks WHERE batch_id = $2 AND deleted_at IS NULL
                         AND events && ARRAY['submission.created', 'datum.completed', 'batch.progress']) AS hooks
         FROM data WHERE id = $1`,
      [w.datum_id, w.batch_id],
    );
    if (!d!.hooks) return;
    await this.events.afterSubmit(em, {
      batchId: w.batch_id,
      assignmentId: a.id,
      workItemId: w.id,
      taskId: w.task_id,
      memberId: a.member_id,
      rewardCents: reward,
      submissionId: sub.submission_id,
      submissionCreated: sub.submission_created,
      claimedAt: a.created,
      submittedAt: sub.submitted_at,
      submitted,
      datum: { id: w.datum_id, status: d!.status, parameters: d!.parameters, created: d!.created, updated: d!.updated },
    });
  }
}
