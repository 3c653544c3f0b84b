import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { conflict, invalidField, notFound } from '../common/errors';
import { inTransaction } from '../database/transaction';
import { PipelineService } from '../tasks/pipeline.service';
import { BatchPayment, isInsufficientFunds, LedgerEntryView, MoneyService, PAY_ATTEMPTS, walletDrained } from '../ledger/money.service';
import { frozenAtPay, reservedAnswers } from '../quality/settings/quality-settings';
import { costOfBatch } from './batch-cost';
import { TaskEntity } from '../tasks/task.entity';
import { openWork } from '../work/work.repository';
import { openGoldSlots } from '../quality/gold-serving.repository';
import { ceilPpm, rateToPpm } from '../quality/rules/cost';
import { BatchesService } from './batches.service';
import { lockOwnedBatch, recordPaidSettings, startProcessing } from './batches.repository';

/**
 * How many gold answers a task's gold share pays: floor(share / reward); with a zero reward gold
 * costs nothing and the share counts answers, ceil(gold_rate × data × overlap.max). Gold needs labels.
 */
function goldUnits(dataCount: number, t: TaskEntity): number {
  if (!t.quality?.labels || !t.quality.gold_rate) return 0;
  const share = costOfBatch(dataCount, [t]).goldCents;
  if (t.minimumAmountCents > 0) return Math.floor(share / t.minimumAmountCents);
  return Number(ceilPpm(BigInt(dataCount) * BigInt(reservedAnswers(t.quality)), rateToPpm(t.quality.gold_rate)));
}

/** A task collects several answers per datum on answer slots when its frozen settings name an `answer`. */
function slotted(t: TaskEntity): boolean {
  return Boolean(t.quality?.answer);
}

/**
 * POST /api/batches/:id/debits (API.md §5.5): the batch's cost moves from the owner's wallet in
 * the guild into the guild's escrow — the card is charged first for any shortfall — and the work
 * opens, the debit and the opening in one transaction.
 */
@Injectable()
export class PayBatch {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly batches: BatchesService,
    private readonly pipeline: PipelineService,
    private readonly money: MoneyService,
  ) {}

  async run(caller: Caller, batchId: string): Promise<LedgerEntryView> {
    // what is paid for, checked before any money moves
    const b = await this.batches.ownedBatch(caller, batchId);
    if (b.status !== 'unpaid') throw conflict(`Batch ${batchId} is ${b.status}; only an unpaid batch can be paid`);
    if (b.data_count === 0) throw invalidField('batch.data', 'is empty; add data before paying');
    const tasks = await this.pipeline.tasks(b.guild_id);
    if (tasks.length === 0) throw invalidField('guild', `has no task; add a task to guild ${b.guild_id} before paying`);
    const amountCents = costOfBatch(b.data_count, tasks).costCents;
    const payment: BatchPayment = { payerUserId: caller.userId, guildId: b.guild_id, batchId, amountCents, purposeKey: `batch:${batchId}` };

    for (let attempt = 1; ; attempt++) {
      // the wallet holds the amount: the card is charged for a shortfall (its own committed transactions)
      const accounts = await this.money.fundPayment(payment);
      try {
        return await inTransaction(this.ds, async (em) => {
          // lock order: the batch, then (new) work items, then the ledger accounts
          const locked = await lockOwnedBatch(em, batchId, caller.userId);
          if (!locked) throw notFound('Batch', batchId);
          if (locked.status !== 'unpaid') throw conflict(`Batch ${batchId} is ${locked.status}; only an unpaid batch can be paid`);
          const nowTasks = await this.pipeline.tasks(locked.guild_id, em);
          const cost = costOfBatch(locked.data_count, nowTasks);
          if (cost.costCents !== amountCents) throw conflict(`Batch ${batchId} or its guild's pipeline changed while paying; retry`);

          // the batch keeps the connections between the tasks it runs through
          const taskIds = new Set(nowTasks.map((t) => String(t.id)));
          const connections = (await this.pipeline.connections(locked.guild_id, em)).filter((c) => taskIds.has(c.sourceTaskId) && taskIds.has(c.targetTaskId));
          const inbound = new Map<string, number>();
          for (const c of connections) inbound.set(c.targetTaskId, (inbound.get(c.targetTaskId) ?? 0) + 1);

          await startProcessing(em, batchId, amountCents, connections, nowTasks.length);
          // the settings the batch runs under, whatever the tasks' quality objects become (§11.6)
          await recordPaidSettings(em, batchId, {
            goldCents: cost.goldCents,
            dataCount: locked.data_count,
            tasks: nowTasks.map((t) => ({
              taskId: String(t.id),
              quality: frozenAtPay(t.quality),
              rewardCents: t.minimumAmountCents,
              goldCents: costOfBatch(locked.data_count, [t]).goldCents,
            })),
          });
          // the gold share of each task as claimable units worth one answer each (§11.6 "Gold serving")
          await openGoldSlots(
            em,
            batchId,
            nowTasks.map((t) => ({
              taskId: String(t.id),
              rewardCents: t.minimumAmountCents,
              units: goldUnits(locked.data_count, t),
            })),
          );
          await openWork(
            em,
            batchId,
            nowTasks.map((t) => ({
              id: String(t.id),
              waitingFor: inbound.get(String(t.id)) ?? 0,
              rewardCents: t.minimumAmountCents,
              minAnswers: slotted(t) ? t.quality!.overlap.min : null,
              reservedAnswers: reservedAnswers(t.quality),
            })),
          );
          return await this.money.debitPayment(em, payment, accounts);
        });
      } catch (err) {
        // the wallet was drained between the charge and the debit: start over (a new, numbered charge)
        if (!isInsufficientFunds(err)) throw err;
        if (attempt >= PAY_ATTEMPTS) throw walletDrained();
      }
    }
  }
}
