import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { insertGoldDatum } from '../batches/gold-data.repository';
import { inTransaction } from '../database/transaction';
import { recordGoldServing, serveUnseenGold, takeGoldSlot } from '../quality/gold-serving.repository';
import { headOfTask, openGoldWork, reserveAnswerForGold } from './gold-work.repository';
import { AssignmentView } from './rows';

/** Thrown inside the transaction to roll back a gold claim that cannot be served (nothing it wrote stays). */
class NoGold extends Error {}

export type GoldClaimOutcome = { served: AssignmentView } | 'no_work' | 'no_gold';

/**
 * A gold claim (API.md §11.2, §11.6 "Gold serving"; docs/quality-and-scale.md), top to bottom in
 * one transaction:
 * 1. the batch: the one of the task's oldest claimable answer slot — none: no real work is open,
 *    the claim is a 204 (gold or not);
 * 2. an unseen gold item for the member, recorded as served (never twice, gold_served's key) —
 *    none left: not gold;
 * 3. the money: one of the batch's gold slots (its gold share), else one spare answer of the
 *    head work item's reservation — neither: not gold;
 * 4. a hidden datum (fresh id from the data sequence), its work item, slot and assignment — the
 *    same rows and the same reward as real work, so the response is the same — and the serving.
 * 'no_gold' rolls everything back; the caller then serves real work (or 204 while qualifying).
 */
@Injectable()
export class ClaimGold {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async run(p: {
    taskId: string;
    memberId: string;
    userId: string;
    tokenHash: Buffer;
    leaseSeconds: number;
    labels: readonly string[];
  }): Promise<GoldClaimOutcome> {
    try {
      return await inTransaction(this.ds, async (em) => {
        const head = await headOfTask(em, p.taskId);
        if (!head) return 'no_work' as const;
        const gold = await serveUnseenGold(em, p.taskId, p.memberId, p.labels);
        if (!gold) throw new NoGold();
        const slot = await takeGoldSlot(em, head.batch_id, p.taskId);
        const reserved = slot ? undefined : await reserveAnswerForGold(em, head.work_item_id);
        if (!slot && !reserved) throw new NoGold();
        const rewardCents = String(slot ? slot.reward_cents : reserved!.reward_cents);
        const datumId = await insertGoldDatum(em, gold.parameters, String(gold.id));
        const served = await openGoldWork(em, {
          batchId: head.batch_id,
          taskId: p.taskId,
          datumId,
          rewardCents,
          memberId: p.memberId,
          userId: p.userId,
          tokenHash: p.tokenHash,
          leaseSeconds: p.leaseSeconds,
        });
        await recordGoldServing(em, {
          workItemId: String(served.work_item_id),
          batchId: String(head.batch_id),
          taskId: p.taskId,
          goldItemId: String(gold.id),
          memberId: p.memberId,
          funding: slot ? 'share' : 'reservation',
          goldSlotId: slot ? String(slot.id) : null,
          reservedFrom: slot ? null : String(reserved!.id),
          rewardCents,
        });
        return { served };
      });
    } catch (err) {
      if (err instanceof NoGold) return 'no_gold';
      throw err;
    }
  }
}
