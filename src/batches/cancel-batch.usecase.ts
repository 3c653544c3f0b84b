import { closeGoldShare } from '../quality/gold-serving.repository';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { conflict, notFound } from '../common/errors';
import { toCents } from '../common/money';
import { inTransaction } from '../database/transaction';
import { MoneyService } from '../ledger/money.service';
import { ClaimEndings } from '../work/claim-endings';
import { cancelWorkOfBatch, eraseAnswersOfBatch } from '../work/work.repository';
import { countOnShard, lockOwnedBatch, markCanceled } from './batches.repository';

/**
 * DELETE /api/batches/:id (API.md §5.6), in one transaction, batch row first: unclaimed work
 * (open, waiting) is canceled and its escrow refunded; claims are marked canceled — a live one
 * stays submittable and paid, a lapsed one ends now, and any later end (lapse, release, member
 * removed) goes through ClaimEndings, which refunds it. The answers and the data's parameters
 * are erased.
 */
@Injectable()
export class CancelBatch {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly money: MoneyService,
    private readonly claims: ClaimEndings,
  ) {}

  async run(caller: Caller, batchId: string) {
    await inTransaction(this.ds, async (em) => {
      const b = await lockOwnedBatch(em, batchId, caller.userId);
      if (!b) throw notFound('Batch', batchId);
      if (b.status === 'completed') throw conflict(`Batch ${batchId} is completed and cannot be canceled`);
      if (b.status === 'canceled') throw conflict(`Batch ${batchId} is already canceled`);
      if (b.status === 'processing') {
        const work = await cancelWorkOfBatch(em, batchId);
        await this.claims.endMany(em, work.lapsedAssignmentIds, 'expired');
        // the unclaimed work's reservations, and what the gold share still holds (a live gold claim
        // keeps its reward: it is paid at its submit, or refunded when it ends otherwise)
        const refund = work.unclaimedRewardCents.reduce((sum, cents) => sum + toCents(cents), 0) + (await closeGoldShare(em, batchId));
        if (refund > 0) {
          await this.money.refund(em, {
            guildId: b.guild_id,
            requesterUserId: b.owner_id,
            amountCents: refund,
            businessKey: `batch:${batchId}:cancel-refund`,
            batchId,
          });
          await countOnShard(em, batchId, '0', { refundedCents: refund });
        }
        await eraseAnswersOfBatch(em, batchId);
      }
      await markCanceled(em, batchId);
    });
    return { object: 'Batch' as const, id: String(batchId), canceled: true };
  }
}
