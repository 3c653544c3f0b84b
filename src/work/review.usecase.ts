import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { ApiError, conflict, notFound } from '../common/errors';
import { toCents } from '../common/money';
import { sqlOne } from '../database/sql';
import { inTransaction } from '../database/transaction';
import { BatchPayment, isInsufficientFunds, MoneyService, PAY_ATTEMPTS, walletDrained } from '../ledger/money.service';
import { QueueService } from '../queue/queue.service';
import { LOGGER, Logger } from '../logging/logger';
import { Inject } from '@nestjs/common';
import { decideAppeal, lockSubmission, markApproved, openAppeal, readSubmission, RejectReason, ReviewRow } from './review.repository';
import { WorkItemRow } from './rows';
import { AUTO_APPROVE_TASK, autoApproveKey, SubmitAnswer } from './submit-answer.usecase';

/** The appeal window after a rejection (§12.3). */
export const APPEAL_DAYS = 7;
/** At most this many ids per bulk approval (§12.2). */
export const BULK_APPROVE_MAX = 1000;

export interface BulkOutcome {
  id: string;
  status: number;
  type?: string;
  error?: string;
}

/**
 * Review of submissions (API.md §12.2, §12.3; docs/review.md): approve, reject, bulk approve,
 * auto-approval on the queue, appeals. Each is one transaction that locks in the work module's
 * order — the submission's work item, then the submission — and re-checks the status under the
 * lock, so an owner's approval, the auto-approval job in any number of processes, a rejection and
 * an appeal racing for one submission serialise: exactly one of them finds it pending. Payments
 * carry business keys (submission:<id>:reward, appeal:<id>:payment), so even a bug could not pay
 * one twice.
 */
@Injectable()
export class ReviewSubmissions implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly submit: SubmitAnswer,
    private readonly money: MoneyService,
    private readonly queue: QueueService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queue.define<{ submission_id: string }>(AUTO_APPROVE_TASK, ({ payload }) => this.autoApprove(String(payload.submission_id)));
  }

  // ------------------------------------------------------------------ approve / reject

  /**
   * POST /api/submissions/:id/approve (owner): a pending submission is approved and paid from its
   * reservation; a rejected one with an open appeal has the appeal approved (approveAppeal).
   * Anything else is a 409.
   */
  async approve(caller: Caller, id: string): Promise<void> {
    const pre = await this.ownedSubmission(caller, id);
    if (pre.status === 'rejected' && pre.appeal_status === 'open') return this.approveAppeal(caller, pre);
    await inTransaction(this.ds, async (em) => {
      const { w, s } = await this.lock(em, id);
      if (s.status !== 'pending') throw notPending(s);
      await this.approvePending(em, w, s);
    });
  }

  /** POST /api/submissions/:id/reject (owner): a pending submission is rejected with the owner's reason and message. */
  async reject(caller: Caller, id: string, reason: RejectReason, message: string): Promise<void> {
    await this.ownedSubmission(caller, id);
    await inTransaction(this.ds, async (em) => {
      const { w, s } = await this.lock(em, id);
      if (s.status !== 'pending') throw notPending(s);
      await this.submit.reject(em, w, id, reason, message, { message });
    });
  }

  /**
   * POST /api/tasks/:id/submissions/approve (owner): each id in its own transaction, so one bad id
   * (unknown, another task's, not pending) is reported and does not stop the others.
   */
  async bulkApprove(caller: Caller, taskId: string, ids: string[]): Promise<BulkOutcome[]> {
    const task = await sqlOne<{ owner_id: string }>(this.ds.manager, 'SELECT g.owner_id FROM tasks t JOIN guilds g ON g.id = t.guild_id WHERE t.id = $1', [
      taskId,
    ]);
    if (!task || String(task.owner_id) !== String(caller.userId)) throw notFound('Task', taskId);
    const out: BulkOutcome[] = [];
    for (const id of ids) {
      try {
        const pre = await readSubmission(this.ds.manager, id);
        if (!pre || String(pre.task_id) !== String(taskId)) throw notFound('Submission', id);
        await inTransaction(this.ds, async (em) => {
          const { w, s } = await this.lock(em, id);
          if (s.status !== 'pending') throw notPending(s);
          await this.approvePending(em, w, s);
        });
        out.push({ id, status: 200 });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        out.push({ id, status: err.getStatus(), type: err.type, error: err.message });
      }
    }
    return out;
  }

  /**
   * The auto-approval job (queued at submit with run_at = auto_approve_at, job key per
   * submission): approves the submission if it is still pending and due. Run early (rescheduled by
   * an operator), it queues itself again for the stored time; run twice (two processes, a retry),
   * the second finds it approved and does nothing.
   */
  async autoApprove(id: string): Promise<void> {
    await inTransaction(this.ds, async (em) => {
      const pre = await readSubmission(em, id);
      if (!pre || pre.status !== 'pending') return;
      const { w, s } = await this.lock(em, id);
      if (s.status !== 'pending') return;
      if (!s.due) {
        await this.queue.add(em, AUTO_APPROVE_TASK, { submission_id: id }, { runAt: s.auto_approve_at!, key: autoApproveKey(id) });
        return;
      }
      await this.approvePending(em, w, s);
      this.logger.info({ submission_id: id }, 'submission approved automatically');
    });
  }

  private async approvePending(em: EntityManager, w: WorkItemRow, s: ReviewRow): Promise<void> {
    await markApproved(em, { id: s.id, answerId: s.answer_id, slotId: s.slot_id });
    const q = await this.submit.frozenSettings(em, w);
    await this.submit.approve(em, w, q, {
      guildId: s.guild_id,
      memberId: s.member_id,
      userId: s.user_id,
      rewardKey: `submission:${s.id}:reward`,
      answerId: s.answer_id,
      parameters: s.parameters as Record<string, never>,
    });
  }

  // ------------------------------------------------------------------ appeals

  /** POST /api/submissions/:id/appeal (the member, own submissions only): once, within 7 days of the rejection. */
  async appeal(caller: Caller, id: string, message: string): Promise<void> {
    const pre = await readSubmission(this.ds.manager, id);
    if (!pre || String(pre.user_id) !== String(caller.userId)) throw notFound('Submission', id);
    await inTransaction(this.ds, async (em) => {
      const { s } = await this.lock(em, id);
      if (s.status !== 'rejected') throw conflict(`Submission ${id} is ${s.status}; only a rejected submission can be appealed`);
      if (s.appeal_status !== null) throw conflict(`Submission ${id} was appealed already (appeal ${s.appeal_status}); a rejection is appealed once`);
      if (s.appeal_late) throw conflict(`Submission ${id} was rejected more than ${APPEAL_DAYS} days ago; the time to appeal has passed`);
      await openAppeal(em, id, message);
    });
  }

  /** POST /api/submissions/:id/uphold (owner): the open appeal is answered, the rejection stands. */
  async uphold(caller: Caller, id: string, message: string): Promise<void> {
    await this.ownedSubmission(caller, id);
    await inTransaction(this.ds, async (em) => {
      const { s } = await this.lock(em, id);
      if (s.appeal_status !== 'open') throw conflict(`Submission ${id} has no open appeal`);
      await decideAppeal(em, { id, answerId: s.answer_id, decision: 'upheld', message, countAnswer: false });
    });
  }

  /**
   * The owner approves an open appeal (§12.3): the rejection is reversed and the member paid the
   * reward from the owner's wallet in the guild — its reservation went to the reopened slot or back
   * to the owner — charging the shortfall to the owner's card first, as paying a batch does. The
   * answer counts in the aggregate only while the task is not done with the datum; nothing reopens.
   */
  private async approveAppeal(caller: Caller, pre: ReviewRow): Promise<void> {
    const payment: BatchPayment = {
      payerUserId: caller.userId,
      guildId: pre.guild_id,
      batchId: pre.batch_id,
      amountCents: toCents(pre.reward_cents),
      purposeKey: `appeal:${pre.id}`,
    };
    for (let attempt = 1; ; attempt++) {
      const accounts = await this.money.fundPayment(payment);
      try {
        await inTransaction(this.ds, async (em) => {
          const { w, s } = await this.lock(em, pre.id);
          if (s.appeal_status !== 'open') throw conflict(`Submission ${pre.id} has no open appeal`);
          await decideAppeal(em, { id: s.id, answerId: s.answer_id, decision: 'approved', message: null, countAnswer: w.status === 'collecting' });
          if (payment.amountCents > 0) await this.money.payMember(em, payment, accounts, s.user_id, 'appeal');
        });
        return;
      } catch (err) {
        if (!isInsufficientFunds(err)) throw err;
        if (attempt >= PAY_ATTEMPTS) throw walletDrained();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  /** The submission as its guild's owner sees it (404 for anyone else). */
  private async ownedSubmission(caller: Caller, id: string): Promise<ReviewRow> {
    const pre = await readSubmission(this.ds.manager, id);
    if (!pre || String(pre.owner_id) !== String(caller.userId)) throw notFound('Submission', id);
    return pre;
  }

  /** Lock order: the work item, then the submission (re-read under the lock). */
  private async lock(em: EntityManager, id: string): Promise<{ w: WorkItemRow; s: ReviewRow }> {
    const w = await sqlOne<WorkItemRow>(
      em,
      'SELECT * FROM work_items WHERE id = (SELECT a.work_item_id FROM submissions s JOIN assignments a ON a.id = s.assignment_id WHERE s.id = $1) FOR UPDATE',
      [id],
    );
    if (!w) throw notFound('Submission', id);
    const s = await lockSubmission(em, id);
    if (!s) throw notFound('Submission', id);
    return { w, s };
  }
}

function notPending(s: ReviewRow): ApiError {
  return conflict(`Submission ${s.id} is ${s.status}; only a pending submission can be approved or rejected`);
}
