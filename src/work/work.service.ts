import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { digestsEqual, generateSecret, sha256 } from '../auth/credentials';
import { conflict, forbidden, gone, notFound } from '../common/errors';
import { toCents } from '../common/money';
import { CursorPage, pageOf, unknownCursor } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/config';
import { inTransaction } from '../database/transaction';
import { BatchesService } from '../batches/batches.service';
import { Params } from '../batches/datum-input';
import { sql, sqlOne } from '../database/sql';
import { GuildAccess } from '../guilds/guild-access.service';
import { MoneyService } from '../ledger/money.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { BatchEventsService } from '../results/batch-events.service';
import { ensureEscrow, ensureWallet } from '../ledger/ledger.repository';
import { presentAssignment } from './assignment.presenter';
import { ClaimEndings } from './claim-endings';
import { VISIBLE_PARAMETERS_SQL, CLAIM_CHECK_SQL, CLAIM_SQL, SLOT_CLAIM_SQL, SUBMIT_LOCK_ASSIGNMENT_SQL, SUBMIT_LOCK_WORK_SQL, SUBMIT_SQL } from './work-sql';
import { AssignmentRow, AssignmentView, WorkItemRow } from './rows';
import { submitCanceledWork } from './work.repository';
import { Metrics } from '../metrics/metrics.service';
import { countOnShard } from '../batches/batches.repository';
import { SubmitAnswer } from './submit-answer.usecase';
import { ClaimGold } from './claim-gold.usecase';
import { SubmitGoldAnswer } from './submit-gold-answer.usecase';
import { claimGate, MemberAtTask } from '../quality/rules/claim-gate';
import { QualitySettings } from '../quality/settings/quality-settings';
import { setQualified } from '../quality/gold-serving.repository';
import { isGoldWork } from './rows';

/** The quality columns of CLAIM_CHECK_SQL (member_task_stats columns are null without a row). */
interface QualityCheck {
  quality: QualitySettings | null;
  gold_answers: number | null;
  gold_right: number | null;
  qual_answers: number | null;
  qual_right: number | null;
  qualified: boolean | null;
  model_skill: number | null;
  model_answers: number | null;
  unseen_gold: number | null;
}

function memberAtTask(c: QualityCheck): MemberAtTask {
  return {
    goldAnswers: c.gold_answers ?? 0,
    goldRight: c.gold_right ?? 0,
    qualAnswers: c.qual_answers ?? 0,
    qualRight: c.qual_right ?? 0,
    qualified: c.qualified,
    modelSkill: c.model_skill === null ? null : Number(c.model_skill),
    modelAnswers: c.model_answers ?? 0,
    unseenGold: c.unseen_gold ?? 0,
  };
}

/** A qualification that failed at claim time (e.g. its gold was deleted) is stored: failing is final (§11.6). */
function markQualificationFailed(em: EntityManager, memberId: string, taskId: string): Promise<void> {
  return setQualified(em, memberId, taskId, false);
}

/** The assignment as the submit locks it (SUBMIT_LOCK_ASSIGNMENT_SQL). */
type LockedAssignment = AssignmentRow & { lapsed: boolean; guild_id: string; preview: string | null; escrow_id: string | null; wallet_id: string | null };

/** What SUBMIT_SQL returns beside the assignment. */
interface SubmitExtras {
  parameters: Params;
  batch_status: string | null;
  just_completed: boolean;
  submission_id: string;
  submission_created: Date;
  datum_status: string;
  datum_created: Date;
  datum_updated: Date;
  event_hooks: boolean;
}

/** Who may act on an assignment: its worker by API key, or anyone holding its submit token. */
export interface AssignmentAuth {
  caller?: Caller;
  token?: string;
}

const VIEW_SQL = `
  SELECT a.*, ${VISIBLE_PARAMETERS_SQL} AS parameters, w.preview, (a.expires <= now()) AS lapsed
    FROM assignments a
    JOIN data d ON d.id = a.datum_id
    JOIN tasks t ON t.id = a.task_id
    LEFT JOIN workspaces w ON w.id = t.workspace_id`;

/**
 * Claims, submits and releases (API.md §7). Lock order, everywhere in this module and in the
 * sweeper: work item → assignment → successor work items → datum → batch → ledger accounts
 * (MoneyService). Cancel (BatchesService) takes batch → work items → ledger; a cancel racing the
 * submit that completes the batch can deadlock, which Postgres detects and inTransaction retries.
 */
@Injectable()
export class WorkService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly guilds: GuildAccess,
    private readonly money: MoneyService,
    private readonly webhooks: WebhooksService,
    private readonly batches: BatchesService,
    private readonly metrics: Metrics,
    private readonly events: BatchEventsService,
    private readonly claims: ClaimEndings,
    private readonly submitAnswer: SubmitAnswer,
    private readonly claimGold: ClaimGold,
    private readonly submitGold: SubmitGoldAnswer,
  ) {}

  private async view(em: EntityManager, id: string): Promise<AssignmentView> {
    return (await sqlOne<AssignmentView>(em, `${VIEW_SQL} WHERE a.id = $1`, [id]))!;
  }

  // ------------------------------------------------------------------ claim

  async claim(caller: Caller, taskId: string) {
    // one round trip for the task, the membership (404 unless active) and the subscription (403)
    const check = await sqlOne<
      {
        guild_id: string;
        lease_seconds: number;
        member_id: string | null;
        subscribed: boolean;
        slotted: boolean;
        has_items: boolean;
        has_slots: boolean;
        blocked: boolean;
        blocked_reason: string | null;
        blocked_until: Date | null;
      } & QualityCheck
    >(this.ds.manager, CLAIM_CHECK_SQL, [taskId, caller.userId]);
    if (!check || !check.member_id) throw notFound('Task', taskId);
    if (check.blocked) {
      const until = check.blocked_until ? ` until ${check.blocked_until.toISOString()}` : ' until the owner unblocks you';
      throw forbidden(`You are blocked in guild ${check.guild_id}${until}: no claims in its tasks. Reason: ${check.blocked_reason}`);
    }
    if (!check.subscribed) throw forbidden(`You are not subscribed to task ${taskId}; subscribe with POST /api/tasks/${taskId}/subscriptions`);

    const token = generateSecret('ogs');
    // quality (§11.2, §11.3): who may claim, and whether this claim is gold
    const q = check.quality;
    if (q) {
      const gate = claimGate(q, memberAtTask(check), Math.random());
      if (gate.refuse !== null) {
        if (gate.final) await markQualificationFailed(this.ds.manager, check.member_id, taskId);
        throw forbidden(gate.refuse);
      }
      if (gate.gold && q.labels) {
        const g = await this.claimGold.run({
          taskId,
          memberId: check.member_id,
          userId: caller.userId,
          tokenHash: sha256(token),
          leaseSeconds: check.lease_seconds,
          labels: q.labels,
        });
        if (g === 'no_work' || (g === 'no_gold' && gate.testing)) {
          this.metrics.claims.inc({ outcome: 'empty' });
          return undefined;
        }
        if (g !== 'no_gold') {
          this.metrics.claims.inc({ outcome: 'claimed' });
          return presentAssignment(g.served, this.config.publicUrl, token);
        }
      }
    }
    // each one statement, so one implicit transaction and one round trip (see CLAIM_SQL, SLOT_CLAIM_SQL)
    const claimWith = (text: string) =>
      inTransaction(
        this.ds,
        (em) => sqlOne<AssignmentView & { raced?: boolean }>(em, text, [taskId, check.member_id, caller.userId, sha256(token), check.lease_seconds]),
        { statement: true },
      );
    const fromItems = async () => (check.has_items ? await claimWith(CLAIM_SQL) : undefined);
    const fromSlots = async () => {
      if (!check.has_slots) return undefined;
      let r = await claimWith(SLOT_CLAIM_SQL);
      // B.3: another process took this member's row for the datum at the same moment; once more
      if (r && r.id === null && r.raced) r = await claimWith(SLOT_CLAIM_SQL);
      return r && r.id !== null ? r : undefined;
    };
    // A task's work is on slots for batches paid while it had an `answer`, on work items otherwise;
    // its current settings say which to look at first (oldest first holds within each kind).
    const a = check.slotted ? ((await fromSlots()) ?? (await fromItems())) : ((await fromItems()) ?? (await fromSlots()));
    this.metrics.claims.inc({ outcome: a ? 'claimed' : 'empty' });
    if (!a) return undefined;
    return presentAssignment(a, this.config.publicUrl, token);
  }

  // ------------------------------------------------------------------ read

  /** Newest first; `page.after` (starting_after) is one of the caller's assignments. */
  async list(caller: Caller, page: CursorPage, status?: string) {
    if (page.after !== undefined && !(await sqlOne(this.ds.manager, 'SELECT 1 FROM assignments WHERE id = $1 AND user_id = $2', [page.after, caller.userId]))) {
      throw unknownCursor(page.after);
    }
    const rows = await sql<AssignmentView>(
      this.ds.manager,
      `${VIEW_SQL} WHERE a.user_id = $1 AND ($2::text IS NULL OR a.status = $2) AND ($5::bigint IS NULL OR a.id < $5) ORDER BY a.id DESC LIMIT $3 OFFSET $4`,
      [caller.userId, status ?? null, page.limit + 1, page.offset, page.after ?? null],
    );
    return pageOf('/api/assignments', page, rows, (a) => presentAssignment(a, this.config.publicUrl));
  }

  async get(auth: AssignmentAuth, id: string) {
    const a = await sqlOne<AssignmentView>(this.ds.manager, `${VIEW_SQL} WHERE a.id = $1`, [id]);
    if (!a || !this.authorized(a, auth)) throw notFound('Assignment', id);
    return presentAssignment(a, this.config.publicUrl);
  }

  private authorized(a: AssignmentRow, auth: AssignmentAuth): boolean {
    if (auth.caller && auth.caller.userId === a.user_id) return true;
    if (!auth.token) return false;
    const given = sha256(auth.token);
    return digestsEqual(given, a.token_hash);
  }

  /**
   * Locks work item then assignment (the module's lock order) and checks who is asking. Returns
   * undefined for an unknown or foreign assignment (→ 404).
   */
  private async lockPair(em: EntityManager, id: string, auth: AssignmentAuth): Promise<{ w: WorkItemRow; a: LockedAssignment } | undefined> {
    // the work item's id is read without a lock (a subquery), so the work item is locked first
    const w = await sqlOne<WorkItemRow>(em, SUBMIT_LOCK_WORK_SQL, [id]);
    if (!w) return undefined;
    const a = await sqlOne<LockedAssignment>(em, SUBMIT_LOCK_ASSIGNMENT_SQL, [id]);
    if (!w || !a || !this.authorized(a, auth)) return undefined;
    return { w, a };
  }

  // ------------------------------------------------------------------ submit

  /**
   * API.md §7, in one transaction. Returns the updated Assignment. A lapsed lease is a 410, but
   * the lapse itself (assignment expired, work reopened or refunded) is committed first.
   */
  async submit(auth: AssignmentAuth, id: string, parameters: Params) {
    const outcome = await inTransaction(this.ds, async (em) => {
      const pair = await this.lockPair(em, id, auth);
      if (!pair) throw notFound('Assignment', id);
      const { w, a } = pair;
      if (a.status === 'submitted') throw conflict(`Assignment ${id} was already submitted`);
      if (a.status === 'released') return 'released' as const;
      if (a.status === 'expired' || a.lapsed) {
        await this.claims.end(em, w, a, 'expired');
        return 'expired' as const;
      }
      // a task with overlap: the answer goes on its slot (§11.1)
      if (w.min_answers !== null) {
        // a served gold item (§11.2): checked against its answer, paid from its batch, outside every batch's progress
        if (isGoldWork(w)) return await this.submitGold.run(em, w, a, parameters);
        return await this.submitAnswer.run(em, w, a, parameters);
      }
      if (!w.canceled) {
        // the fast path: the whole state change and the reward in one statement (SUBMIT_SQL)
        // (a zero reward moves nothing and, as in MoneyService.reward, creates no accounts)
        const reward = toCents(w.reward_cents);
        const escrowId = reward > 0 ? (a.escrow_id ?? (await ensureEscrow(em, a.guild_id))) : null;
        const walletId = reward > 0 ? (a.wallet_id ?? (await ensureWallet(em, a.guild_id, a.user_id))) : null;
        const json = JSON.stringify(parameters);
        const r = await sqlOne<AssignmentRow & SubmitExtras>(em, SUBMIT_SQL, [
          w.id,
          a.id,
          w.datum_id,
          w.task_id,
          a.member_id,
          json,
          w.batch_id,
          `work:${w.id}:reward`,
          reward,
          escrowId,
          walletId,
        ]);
        if (r!.event_hooks) {
          await this.events.afterSubmit(em, {
            batchId: w.batch_id,
            assignmentId: a.id,
            workItemId: w.id,
            taskId: w.task_id,
            memberId: a.member_id,
            rewardCents: reward,
            submissionId: r!.submission_id,
            submissionCreated: r!.submission_created,
            claimedAt: r!.created,
            submittedAt: r!.submitted_at ?? r!.submission_created,
            submitted: parameters,
            datum: { id: w.datum_id, status: r!.datum_status, parameters: r!.parameters, created: r!.datum_created, updated: r!.datum_updated },
          });
        }
        if (r!.batch_status === 'completed' && r!.just_completed) await this.submitAnswer.completed(em, w.batch_id, a.guild_id);
        return { view: { ...r!, preview: a.preview, lapsed: false } as unknown as AssignmentView };
      }
      // the batch was canceled while this was claimed: the work is paid, but its data are gone
      await submitCanceledWork(em, w, a);
      await this.money.reward(em, {
        guildId: a.guild_id,
        memberUserId: a.user_id,
        amountCents: toCents(w.reward_cents),
        businessKey: `work:${w.id}:reward`,
        batchId: w.batch_id,
      });
      await countOnShard(em, w.batch_id, w.datum_id, { spentCents: toCents(w.reward_cents), answers: 1 });
      return 'submitted' as const;
    });
    if (typeof outcome === 'object' || outcome === 'submitted') this.metrics.submits.inc();
    if (outcome === 'expired') throw gone(`Assignment ${id} expired: its lease lapsed before the submit`);
    if (outcome === 'released') throw gone(`Assignment ${id} was released back to the pool`);
    if (outcome === 'done_with_datum') throw gone(`Assignment ${id} ended: the task is already done with this datum (it has the answers it needs)`);
    if (typeof outcome === 'object') return presentAssignment(outcome.view as AssignmentView, this.config.publicUrl);
    return presentAssignment(await this.view(this.ds.manager, id), this.config.publicUrl);
  }

  // ------------------------------------------------------------------ release

  async release(auth: AssignmentAuth, id: string) {
    const outcome = await inTransaction(this.ds, async (em) => {
      const pair = await this.lockPair(em, id, auth);
      if (!pair) throw notFound('Assignment', id);
      const { w, a } = pair;
      if (a.status === 'submitted') throw conflict(`Assignment ${id} was already submitted`);
      if (a.status === 'released') throw conflict(`Assignment ${id} was already released`);
      if (a.status === 'expired' || a.lapsed) {
        await this.claims.end(em, w, a, 'expired');
        return 'expired' as const;
      }
      await this.claims.end(em, w, a, 'released');
      return 'released' as const;
    });
    if (outcome === 'expired') throw gone(`Assignment ${id} expired: its lease lapsed`);
    return presentAssignment(await this.view(this.ds.manager, id), this.config.publicUrl);
  }

  // ------------------------------------------------------------------ lapsed leases

  /**
   * Tidies claims whose lease lapsed: canceled work is refunded, other work reopened (claims
   * treat a lapsed claim as open anyway, so this is for the refunds and for honest statuses).
   * Candidates come from assignments_live_idx; each is then locked in the module's order and
   * rechecked. Returns how many it ended.
   */
  async sweepLapsed(limit = 200): Promise<number> {
    const candidates = await sql<{ id: string }>(
      this.ds.manager,
      `SELECT id FROM assignments WHERE status = 'claimed' AND expires <= now() ORDER BY expires LIMIT $1`,
      [limit],
    );
    let ended = 0;
    for (const c of candidates) {
      ended += await inTransaction(this.ds, async (em) => {
        const ref = await sqlOne<{ work_item_id: string }>(em, 'SELECT work_item_id FROM assignments WHERE id = $1', [c.id]);
        const w = await sqlOne<WorkItemRow>(em, 'SELECT * FROM work_items WHERE id = $1 FOR UPDATE SKIP LOCKED', [ref!.work_item_id]);
        if (!w) return 0; // someone is submitting or claiming it right now
        const a = await sqlOne<AssignmentRow>(em, `SELECT * FROM assignments WHERE id = $1 AND status = 'claimed' AND expires <= now() FOR UPDATE`, [c.id]);
        if (!a) return 0;
        await this.claims.end(em, w, a, 'expired');
        return 1;
      });
    }
    return ended;
  }
}
