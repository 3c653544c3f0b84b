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
import {
  addRefundedCents,
  lockSubmission,
  markRejected,
  pendingCountOfWorkItem,
  pendingOfWorkItem,
  recordPendingAnswer,
  RejectReason,
} from './review.repository';
import { countApprovedAnswer, expireClaimedAssignment } from './work.repository';

/** The assignment as the submit locked it (work.service.ts, SUBMIT_LOCK_ASSIGNMENT_SQL). */
export type SubmittingAssignment = AssignmentRow & { guild_id: string };

export type SubmitAnswerOutcome = 'submitted' | 'done_with_datum';

/** Who an approved answer pays and how (its ledger business key: at most one payment per key). */
export interface Approval {
  guildId: string;
  /** the member (their answer counts at the task, §11.4) */
  memberId: string;
  /** the member's user */
  userId: string;
  rewardKey: string;
  answerId: string | null;
  /** what was submitted (merged into the datum at a task without `answer`) */
  parameters: Params;
}

/** The job that approves a pending submission at its auto_approve_at (review.usecase.ts). */
export const AUTO_APPROVE_TASK = 'submission-auto-approve';
export const autoApproveKey = (submissionId: string) => `${AUTO_APPROVE_TASK}:${submissionId}`;

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
 * successors → datum → batch → ledger accounts. Under automatic review the answer is approved at
 * submit; under manual review (§12.2) it waits, and approve() runs when it is approved.
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
      await this.payAnswer(em, w, { guildId: a.guild_id, userId: a.user_id, rewardKey: `slot:${a.slot_id}:reward` }, reward);
      return 'submitted';
    }
    if (!slot || slot.status !== 'claimed' || String(slot.assignment_id) !== String(a.id)) {
      // its reservation went back to the requester when the task was done with the datum: the
      // claim ends as a lapsed one does
      await expireClaimedAssignment(em, a.id);
      return 'done_with_datum';
    }

    // 2. the answer: the frozen settings name it and may list its values (422 before anything changes);
    // a task under manual review without `answer` takes the parameters as they are (one slot per datum)
    const q = await this.frozenSettings(em, w);
    const name = q.answer;
    let value: string | null = null;
    if (name !== null) {
      const given = parameters[name];
      if (given === undefined) throw invalidField(`parameters.${name}`, `is required: this task combines the answers given as "${name}"`);
      if (q.labels && (typeof given !== 'string' || !q.labels.includes(given))) {
        throw invalidField(`parameters.${name}`, `must be one of the task's labels: ${q.labels.map((l) => JSON.stringify(l)).join(', ')}`);
      }
      value = String(given);
    }

    // 3a. manual review (§12.2): the answer waits for the owner (or auto_approve_at); its reward
    // stays in escrow, in this work item's reservation. The approval job is queued in this transaction.
    if (q.review?.mode === 'manual') {
      const sub = await recordPendingAnswer(em, {
        assignmentId: a.id,
        datumId: w.datum_id,
        taskId: w.task_id,
        memberId: a.member_id,
        parameters: JSON.stringify(parameters),
        workItemId: w.id,
        slotId: a.slot_id!,
        value,
        autoApproveAfter: q.review.auto_approve_after,
      });
      await this.queue.add(
        em,
        AUTO_APPROVE_TASK,
        { submission_id: String(sub.submission_id) },
        { runAt: sub.auto_approve_at, key: autoApproveKey(sub.submission_id) },
      );
      await this.afterSubmit(em, w, a, sub, reward, parameters);
      // an answer that disagrees with an aggregate already confident enough (auto_reject consensus)
      if (name !== null) await this.consensus(em, w, q);
      return 'submitted';
    }

    // 3b. automatic review: approved at submit
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
    await this.approve(
      em,
      w,
      q,
      { guildId: a.guild_id, memberId: a.member_id, userId: a.user_id, rewardKey: `slot:${a.slot_id}:reward`, answerId: sub.answer_id, parameters },
      () => this.afterSubmit(em, w, a, sub, reward, parameters),
    );
    return 'submitted';
  }

  /** The settings the work item's batch was paid under (§11.6). */
  async frozenSettings(em: EntityManager, w: Pick<WorkItemRow, 'batch_id' | 'task_id'>): Promise<FrozenQuality> {
    const settings = await sqlOne<{ quality: FrozenQuality }>(em, 'SELECT quality FROM batch_task_settings WHERE batch_id = $1 AND task_id = $2', [
      w.batch_id,
      w.task_id,
    ]);
    return settings!.quality;
  }

  /**
   * An answer on a slot is approved — at submit (automatic review) or later (review.usecase.ts),
   * with its work item `w` locked by the caller and re-read — and §7's submit effects happen
   * (§11.6 "Where §7 changes"): the reservation pays it, then, while the task still wants answers
   * for the datum, the aggregate is recomputed from the approved answers, pending answers that
   * disagree with a confident aggregate are rejected (auto_reject consensus), and either more
   * slots open or the task is done with the datum and it moves on. An approval after the task was
   * done with the datum (or its batch canceled) is paid and changes nothing else.
   */
  async approve(em: EntityManager, w: WorkItemRow, q: FrozenQuality, p: Approval, afterSubmit?: () => Promise<void>): Promise<void> {
    const reward = toCents(w.reward_cents);
    // the reservation pays it (a bug guard: by the slot rules one is always left)
    const approved = (await countApprovedAnswer(em, w.id))?.approved_answers;
    if (approved === undefined) throw new Error(`work item ${w.id} has no reserved answer left for answer ${p.answerId}`);
    // The reward itself is paid last, after the datum and batch rows, as the lock order says: the
    // escrow's shard rows are the rows concurrent submits of the guild share, so they are locked
    // for the shortest time, just before commit, and never before a datum or batch row (under load
    // a reward paid first held an escrow shard across four more round trips; a bench of 32
    // concurrent adaptive submits queued on them and deadlocked reward/refund pairs).
    await countMemberAnswer(em, p.memberId, w.task_id, null);
    // every N-th answer (by id: no counter row) refreshes the task's model, after this commits (B.7)
    if (q.aggregation === 'dawid_skene' && p.answerId && BigInt(p.answerId) % BigInt(this.config.qualityRefreshEveryAnswers) === 0n) {
      await this.queue.add(em, SKILLS_REFRESH_TASK, { task_id: String(w.task_id) }, { key: `${SKILLS_REFRESH_TASK}:${w.task_id}` });
    }
    if (w.status !== 'collecting') {
      await this.payAnswer(em, w, p, reward);
      await afterSubmit?.();
      return;
    }

    let merged: Params;
    let aggregate: string | null = null;
    let confidence: number | null = null;
    if (q.answer === null) {
      // manual review without `answer`: one answer per datum, merged as §7 does
      merged = p.parameters;
    } else {
      // the datum's aggregate from its own approved answers and the members' current matrices
      // (O(answers of this datum), whatever the task's history: ARCHITECTURE.md "Quality on the hot path")
      const { agg, labels } = await this.currentAggregate(em, w, q);
      await this.consensus(em, w, q, { agg, labels, approved });
      // not done: more slots when every outstanding one is answered (slots beyond min open only after an approval)
      // a gold answer paid from this datum's reservation lowered reserved_answers: that is its max now
      if (!doneWithDatum(cappedOverlap(q.overlap, w.reserved_answers), approved, agg)) {
        await sql(em, ONE_MORE_SLOT_SQL, [w.id, Math.min(w.reserved_answers, Math.max(q.overlap.min, approved + 1)) - approved]);
        await this.payAnswer(em, w, p, reward);
        await afterSubmit?.();
        return;
      }
      aggregate = labels[agg.label];
      confidence = agg.confidence;
      merged = { [q.answer]: aggregate, [`${q.answer}_confidence`]: Number(agg.confidence.toFixed(CONFIDENCE_DIGITS)) };
    }

    // done with the datum: aggregate into its parameters, what it did not need back to the
    // requester (answers still pending review keep their reward in escrow), outstanding slots
    // canceled, and the datum moves on as after a §7 submit
    const pending = await pendingCountOfWorkItem(em, w.id);
    const refund = unusedReservationCents(w.reserved_answers, approved + pending, reward);
    const r = (await sqlOne<{ batch_status: string | null; just_completed: boolean; owner_id: string }>(em, DONE_WITH_DATUM_SQL, [
      w.id,
      aggregate,
      confidence,
      refund,
      w.datum_id,
      w.task_id,
      w.batch_id,
      JSON.stringify(merged),
    ]))!;
    await this.payAnswer(em, w, p, reward);
    if (refund > 0) {
      await this.money.refund(em, {
        guildId: p.guildId,
        requesterUserId: r.owner_id,
        amountCents: refund,
        businessKey: `work:${w.id}:refund`,
        batchId: w.batch_id,
      });
      await countOnShard(em, w.batch_id, w.datum_id, { refundedCents: refund });
    }
    await afterSubmit?.();
    if (r.batch_status === 'completed' && r.just_completed) await this.completed(em, w.batch_id, p.guildId);
  }

  /** The aggregate of the datum's approved answers (majority, or the Dawid–Skene posterior with the members' matrices). */
  private async currentAggregate(em: EntityManager, w: WorkItemRow, q: FrozenQuality): Promise<{ agg: Aggregate; labels: string[]; approved: number }> {
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
    return { agg, labels, approved: answers.length };
  }

  /**
   * auto_reject "consensus" (§11.6, §12.2; the task's current setting): once the datum's aggregate
   * of approved answers reaches the task's confidence, its pending answers that disagree are
   * rejected, with the aggregate, its confidence and the number of answers as evidence.
   */
  private async consensus(em: EntityManager, w: WorkItemRow, q: FrozenQuality, known?: { agg: Aggregate; labels: string[]; approved: number }): Promise<void> {
    if (q.review?.mode !== 'manual' || q.answer === null) return;
    const current = await sqlOne<{ on: boolean }>(em, `SELECT coalesce(quality->'auto_reject', '[]'::jsonb) ? 'consensus' AS on FROM tasks WHERE id = $1`, [
      w.task_id,
    ]);
    if (!current?.on) return;
    const { agg, labels, approved } = known ?? (await this.currentAggregate(em, w, q));
    if (approved === 0 || agg.confidence < q.overlap.confidence) return;
    const aggregate = labels[agg.label];
    for (const p of await pendingOfWorkItem(em, w.id)) {
      if (p.value === aggregate) continue;
      const evidence = { aggregate, confidence: Number(agg.confidence.toFixed(CONFIDENCE_DIGITS)), answers: approved };
      await this.reject(
        em,
        w,
        p.submission_id,
        'consensus',
        `Your answer ${JSON.stringify(p.value)} disagrees with the answer of the other members, ${JSON.stringify(aggregate)} (confidence ${evidence.confidence} over ${approved} approved answers)`,
        evidence,
      );
    }
  }

  /**
   * A pending submission on a slot of work item `w` (locked by the caller) is rejected: while the
   * task still wants answers for the datum the slot reopens for another member and its reward stays
   * reserved for that answer; otherwise the reward goes back to the requester
   * (submission:<id>:refund). Either way the requester never pays more than the reservation.
   */
  async reject(em: EntityManager, w: WorkItemRow, submissionId: string, reason: RejectReason, message: string, evidence: unknown): Promise<void> {
    const s = (await lockSubmission(em, submissionId))!;
    const reopen = w.status === 'collecting';
    await markRejected(em, { id: s.id, answerId: s.answer_id, slotId: s.slot_id, reason, message, evidence, reopen });
    if (reopen) return;
    const reward = toCents(s.reward_cents);
    if (reward > 0) {
      await this.money.refund(em, {
        guildId: s.guild_id,
        requesterUserId: s.owner_id,
        amountCents: reward,
        businessKey: `submission:${s.id}:refund`,
        batchId: w.batch_id,
      });
      await countOnShard(em, w.batch_id, w.datum_id, { refundedCents: reward });
      if (w.status === 'done') await addRefundedCents(em, w.id, reward);
    }
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

  /** The answer's reward, from the escrow its work item reserved, once per key; counted on the batch's shard. */
  private async payAnswer(em: EntityManager, w: WorkItemRow, p: Pick<Approval, 'guildId' | 'userId' | 'rewardKey'>, reward: number): Promise<void> {
    await this.money.reward(em, { guildId: p.guildId, memberUserId: p.userId, amountCents: reward, businessKey: p.rewardKey, batchId: w.batch_id });
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
