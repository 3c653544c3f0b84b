import { Injectable, Module } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { toCents } from '../common/money';
import { sql, sqlOne } from '../database/sql';
import { MoneyService } from '../ledger/money.service';
import { LedgerModule } from '../ledger/ledger.module';
import { AssignmentRow, isGoldWork, WorkItemRow } from './rows';
import { cancelGoldWork } from './gold-work.repository';
import { goldServingOf, GoldServingRow } from '../quality/gold-serving.repository';
import { cancelClaimedWorkItem, cancelSlot, endAssignment, letGoOfDatum, liveAssignmentIdsOfMember, reopenSlot, reopenWorkItem } from './work.repository';
import { countOnShard } from '../batches/batches.repository';

/**
 * How a claim ends without a submit:
 * - `released`: the worker gave it back (POST …/release);
 * - `expired`: its lease lapsed (sweeper, a late submit or release, batch cancel);
 * - `member_removed`: the owner ended the membership (the assignment reads `released`, API.md §6,
 *   or `expired` when its lease had already lapsed);
 * - `member_blocked`: the owner blocked the member (API.md §12.4); ends as `member_removed` does.
 */
export type ClaimEnd = 'released' | 'expired' | 'member_removed' | 'member_blocked';

/**
 * The one place where a claim ends without a submit (issue 13: three copies had drifted, and the
 * one in member removal forgot the refund, leaving escrow stuck on a canceled batch for good).
 * Every caller — release, late submit, the lease sweeper, member removal, batch cancel — comes
 * here. The claim statement (CLAIM_SQL) taking over a lapsed claim of a live batch is the only
 * other path, and it moves no money (canceled work is never re-claimed).
 *
 * Lock order (the work module's): work item, then assignment.
 */
@Injectable()
export class ClaimEndings {
  constructor(private readonly money: MoneyService) {}

  /**
   * Ends the claim `a` on work item `w`, both already locked by the caller. The assignment leaves
   * `claimed`; the work is open again — or, when its batch was canceled, canceled with its escrow
   * refunded to the requester (business key work:<id>:refund, so two enders refund once).
   * A no-op for an assignment that already ended, or a work item that is no longer this claim's.
   */
  async end(em: EntityManager, w: WorkItemRow, a: AssignmentRow, how: ClaimEnd): Promise<void> {
    const byOwner = how === 'member_removed' || how === 'member_blocked';
    const status = byOwner ? 'released' : how;
    // a removed member's lapsed claim is honestly `expired`; the database clock decides
    await endAssignment(em, a.id, status, byOwner);
    if (a.slot_id !== null) return isGoldWork(w) ? this.endGold(em, w, a) : this.endSlot(em, w, a);
    if (w.status !== 'claimed' || String(w.assignment_id) !== String(a.id)) return;
    if (w.canceled) {
      await cancelClaimedWorkItem(em, w.id);
      await this.refundReward(em, w, `work:${w.id}:refund`);
    } else {
      await reopenWorkItem(em, w.id);
    }
  }

  /**
   * The claim of an answer slot ends (§11.6 "Slots"): the member lets go of the datum (they may
   * claim it again) unless they hold it again by a later claim; the slot is open again — or, when
   * the batch was canceled, canceled with its reward refunded (business key slot:<id>:refund). A
   * slot the task no longer needs (canceled when it was done with the datum) or that another claim
   * took over stays as it is. Lock order: work item, assignment (the caller's), then the slot.
   */
  private async endSlot(em: EntityManager, w: WorkItemRow, a: AssignmentRow): Promise<void> {
    await letGoOfDatum(em, w.id, a.member_id, a.id);
    const slot = await sqlOne<{ id: string; status: string; assignment_id: string | null }>(
      em,
      'SELECT id, status, assignment_id FROM answer_slots WHERE id = $1 FOR UPDATE',
      [a.slot_id],
    );
    if (!slot || slot.status !== 'claimed' || String(slot.assignment_id) !== String(a.id)) return;
    if (!w.canceled) {
      await reopenSlot(em, slot.id);
      return;
    }
    await cancelSlot(em, slot.id);
    await this.refundReward(em, w, `slot:${slot.id}:refund`);
  }

  /**
   * The claim of a served gold item ends without an answer: its slot and work item are canceled
   * for good (a gold serving is never handed to anyone else; the member was served the item, so
   * it stays seen), and the reward it held goes back to the requester of the batch that paid it.
   */
  private async endGold(em: EntityManager, w: WorkItemRow, a: AssignmentRow): Promise<void> {
    const slot = await sqlOne<{ id: string; status: string; assignment_id: string | null }>(
      em,
      'SELECT id, status, assignment_id FROM answer_slots WHERE id = $1 FOR UPDATE',
      [a.slot_id],
    );
    if (!slot || slot.status !== 'claimed' || String(slot.assignment_id) !== String(a.id)) return;
    await cancelGoldWork(em, w.id, String(slot.id));
    await cancelGoldWorkFunding(this.money, em, w, (await goldServingOf(em, w.id))!);
  }

  /** One reward of a canceled batch's work item goes back to its requester, counted on the batch's shard. */
  private async refundReward(em: EntityManager, w: WorkItemRow, businessKey: string): Promise<void> {
    const b = await sqlOne<{ guild_id: string; owner_id: string }>(em, 'SELECT guild_id, owner_id FROM batches WHERE id = $1', [w.batch_id]);
    await this.money.refund(em, {
      guildId: b!.guild_id,
      requesterUserId: b!.owner_id,
      amountCents: toCents(w.reward_cents),
      businessKey,
      batchId: w.batch_id,
    });
    await countOnShard(em, w.batch_id, w.datum_id, { refundedCents: toCents(w.reward_cents) });
  }

  /** Ends every live claim of the member (their membership ends, or they are blocked), as endMany does. Returns how many it ended. */
  async endClaimsOfMember(em: EntityManager, memberId: string, how: 'member_removed' | 'member_blocked' = 'member_removed'): Promise<number> {
    return this.endMany(em, await liveAssignmentIdsOfMember(em, memberId), how);
  }

  /**
   * Ends every live (status `claimed`) assignment among `assignmentIds`, locking each pair in the
   * module's order (work items by id, then assignments) and rechecking it under the lock.
   * Returns how many it ended.
   */
  async endMany(em: EntityManager, assignmentIds: string[], how: ClaimEnd): Promise<number> {
    if (assignmentIds.length === 0) return 0;
    const works = await sql<WorkItemRow>(
      em,
      `SELECT * FROM work_items WHERE id IN (SELECT work_item_id FROM assignments WHERE id = ANY($1::bigint[])) ORDER BY id FOR UPDATE`,
      [assignmentIds],
    );
    const live = await sql<AssignmentRow>(em, `SELECT * FROM assignments WHERE id = ANY($1::bigint[]) AND status = 'claimed' ORDER BY id FOR UPDATE`, [
      assignmentIds,
    ]);
    const workById = new Map(works.map((w) => [String(w.id), w]));
    for (const a of live) await this.end(em, workById.get(String(a.work_item_id))!, a, how);
    return live.length;
  }
}

/**
 * A gold serving that will not be paid (its claim ended, or its answer was rejected): the reward
 * it held goes back to the requester of the batch that paid it, once (work:<id>:refund), counted on
 * that batch's shard. The serving's gold slot stays used: a share is "used" once served.
 */
export async function cancelGoldWorkFunding(money: MoneyService, em: EntityManager, w: WorkItemRow, serving: GoldServingRow): Promise<void> {
  const cents = toCents(serving.reward_cents);
  await money.refund(em, {
    guildId: serving.guild_id,
    requesterUserId: serving.owner_id,
    amountCents: cents,
    businessKey: `work:${w.id}:refund`,
    batchId: serving.batch_id,
  });
  await countOnShard(em, serving.batch_id, w.datum_id, { refundedCents: cents });
}

/** Imported by the modules that end claims (work, members, batches); depends on money only. */
@Module({
  imports: [LedgerModule],
  providers: [ClaimEndings],
  exports: [ClaimEndings],
})
export class ClaimEndingsModule {}
