import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { QueueService } from '../queue/queue.service';
import { SKILLS_REFRESH_TASK } from '../quality/skills-refresh';
import { EntityManager } from 'typeorm';
import { countOnShard } from '../batches/batches.repository';
import { Params } from '../batches/datum-input';
import { invalidField } from '../common/errors';
import { toCents } from '../common/money';
import { sqlOne } from '../database/sql';
import { MoneyService } from '../ledger/money.service';
import { countGoldAnswer, countMemberAnswer, goldServingOf, MemberTaskStatsRow, setQualified, unseenGoldCount } from '../quality/gold-serving.repository';
import { qualification } from '../quality/rules/access';
import { FrozenQuality, QualitySettings } from '../quality/settings/quality-settings';
import { refreshQualityScore } from '../quality/skills';
import { cancelGoldWorkFunding } from './claim-endings';
import { finishGoldWork } from './gold-work.repository';
import { WorkItemRow } from './rows';
import { SubmittingAssignment, SubmitAnswerOutcome } from './submit-answer.usecase';

/**
 * The submit of a served gold item (API.md §11.2, §11.6 "Gold serving", "Auto-rejection"), in the
 * caller's transaction, which locked the work item and the assignment and answered 404/409/410 for
 * them (work.service.ts). Top to bottom:
 * 1. the slot (still this claim's), the serving (which batch pays, the expected answer);
 * 2. the answer checked as any answer of that batch is (422 before anything changes);
 * 3. `auto_reject: ["gold_mismatch"]` (the task's current settings): a wrong answer is rejected
 *    before any payment, with evidence {gold_id, expected, given} on the answer row; its reward
 *    goes back to the requester at once (work:<id>:refund). Otherwise it is paid from the batch's
 *    escrow like any answer (slot:<id>:reward) and counted as spent on the batch's shard;
 * 4. the Gold object's counters, the member's stats (gold, qualification), the qualification
 *    decided once its answers are in (failing is final), and the member's quality_score.
 * Nothing moves along a pipeline; no datum or batch progress counts it.
 */
@Injectable()
export class SubmitGoldAnswer {
  constructor(
    private readonly money: MoneyService,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(em: EntityManager, w: WorkItemRow, a: SubmittingAssignment, parameters: Params): Promise<SubmitAnswerOutcome> {
    // 1. (lock order: work item, assignment — the caller's — then the slot)
    const slot = await sqlOne<{ id: string; status: string; assignment_id: string | null }>(em, 'SELECT * FROM answer_slots WHERE id = $1 FOR UPDATE', [
      a.slot_id,
    ]);
    if (!slot || slot.status !== 'claimed' || String(slot.assignment_id) !== String(a.id)) return 'done_with_datum';
    const serving = (await goldServingOf(em, w.id))!;
    const settings = await sqlOne<{ frozen: FrozenQuality; current: QualitySettings | null }>(
      em,
      `SELECT s.quality AS frozen, t.quality AS current FROM batch_task_settings s JOIN tasks t ON t.id = s.task_id WHERE s.batch_id = $1 AND s.task_id = $2`,
      [serving.batch_id, w.task_id],
    );
    const frozen = settings!.frozen;
    const current = settings!.current;

    // 2. the same checks as an answer on the batch's real data
    const name = frozen.answer!;
    const given = parameters[name];
    if (given === undefined) throw invalidField(`parameters.${name}`, `is required: this task combines the answers given as "${name}"`);
    if (frozen.labels && (typeof given !== 'string' || !frozen.labels.includes(given))) {
      throw invalidField(`parameters.${name}`, `must be one of the task's labels: ${frozen.labels.map((l) => JSON.stringify(l)).join(', ')}`);
    }
    const value = String(given);

    // 3. right or wrong; a wrong one rejected before any payment when the task says so
    const right = value === serving.expected;
    const rejected = !right && (current?.auto_reject ?? []).includes('gold_mismatch');
    const done = await finishGoldWork(em, {
      assignmentId: a.id,
      datumId: w.datum_id,
      taskId: w.task_id,
      memberId: a.member_id,
      parameters: JSON.stringify(parameters),
      workItemId: w.id,
      slotId: String(slot.id),
      value,
      rejected: rejected ? { reason: 'gold_mismatch', evidence: { gold_id: String(serving.gold_item_id), expected: serving.expected, given: value } } : null,
    });
    const reward = toCents(serving.reward_cents);
    if (rejected) {
      await cancelGoldWorkFunding(this.money, em, w, serving);
    } else {
      await this.money.reward(em, {
        guildId: serving.guild_id,
        memberUserId: a.user_id,
        amountCents: reward,
        businessKey: `slot:${slot.id}:reward`,
        batchId: serving.batch_id,
      });
      await countOnShard(em, serving.batch_id, w.datum_id, { spentCents: reward });
    }

    // 4. the figures that follow from it
    await countGoldAnswer(em, serving.gold_item_id, right);
    const qualGold = current?.qualification.gold ?? 0;
    const stats = await countMemberAnswer(em, a.member_id, w.task_id, { right, qualGold });
    await this.decideQualification(em, stats, current);
    await refreshQualityScore(em, a.member_id);
    // gold answers feed the task's model too (as truth): the same every-N-th-answer refresh as real answers
    if (frozen.aggregation === 'dawid_skene' && BigInt(done.answer_id) % BigInt(this.config.qualityRefreshEveryAnswers) === 0n) {
      await this.queue.add(em, SKILLS_REFRESH_TASK, { task_id: String(w.task_id) }, { key: `${SKILLS_REFRESH_TASK}:${w.task_id}` });
    }
    return 'submitted';
  }

  /** §11.3 / §11.6: once min(qualification.gold, gold not seen) control answers are in, pass or fail (fail is final). */
  private async decideQualification(em: EntityManager, st: MemberTaskStatsRow, current: QualitySettings | null): Promise<void> {
    if (st.qualified === false || !current || current.qualification.gold === 0) return;
    const unseen = await unseenGoldCount(em, st.task_id, st.member_id, current.labels ?? []);
    const q = qualification(
      { gold: current.qualification.gold, minAccuracy: current.qualification.min_accuracy },
      { goldAnswered: st.qual_answers, goldRight: st.qual_right, unseenGold: unseen },
    );
    if (q.state === 'failed') await setQualified(em, st.member_id, st.task_id, false);
    else if (q.state === 'qualified' && st.qualified !== true) await setQualified(em, st.member_id, st.task_id, true);
  }
}
