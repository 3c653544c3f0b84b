import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { digestsEqual, generateSecret, sha256 } from '../auth/credentials';
import { conflict, forbidden, gone, notFound } from '../common/errors';
import { toCents } from '../common/money';
import { Page, pageOf } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/config';
import { inTransaction } from '../database/transaction';
import { BatchesService } from '../batches/batches.service';
import { Params } from '../batches/datum-input';
import { sql, sqlOne } from '../batches/sql';
import { GuildAccess } from '../guilds/guild-access.service';
import { MoneyService } from '../transactions/money.service';
import { WebhooksService } from '../webhooks/webhooks.service';
import { presentAssignment } from './assignment.presenter';
import { AssignmentRow, AssignmentView, WorkItemRow } from './rows';

/** Who may act on an assignment: its worker by API key, or anyone holding its submit token. */
export interface AssignmentAuth {
  caller?: Caller;
  token?: string;
}

const VIEW_SQL = `
  SELECT a.*, d.parameters, w.preview, (a.expires <= now()) AS lapsed
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
  ) {}

  private async view(em: EntityManager, id: string): Promise<AssignmentView> {
    return (await sqlOne<AssignmentView>(em, `${VIEW_SQL} WHERE a.id = $1`, [id]))!;
  }

  // ------------------------------------------------------------------ claim

  async claim(caller: Caller, taskId: string) {
    const task = await sqlOne<{ id: string; guild_id: string; lease_seconds: number }>(this.ds.manager, 'SELECT id, guild_id, lease_seconds FROM tasks WHERE id = $1', [taskId]);
    if (!task) throw notFound('Task', taskId);
    const member = await this.guilds.activeMember(caller, task.guild_id);
    if (!member) throw notFound('Task', taskId);
    const sub = await sqlOne(this.ds.manager, 'SELECT 1 FROM subscriptions WHERE member_id = $1 AND task_id = $2', [member.id, taskId]);
    if (!sub) throw forbidden(`You are not subscribed to task ${taskId}; subscribe with POST /api/tasks/${taskId}/subscriptions`);

    const token = generateSecret('ogs');
    const id = await inTransaction(this.ds, async (em) => {
      // oldest open work first; a claimed row whose lease lapsed is open again (unless its batch was canceled)
      const w = await sqlOne<WorkItemRow>(
        em,
        `SELECT * FROM work_items
          WHERE task_id = $1 AND status IN ('open', 'claimed')
            AND (status = 'open' OR (lease_expires_at <= now() AND NOT canceled))
          ORDER BY id
          LIMIT 1
          FOR UPDATE SKIP LOCKED`,
        [taskId],
      );
      if (!w) return undefined;
      if (w.status === 'claimed' && w.assignment_id) {
        await sql(em, `UPDATE assignments SET status = 'expired', updated = now() WHERE id = $1 AND status = 'claimed'`, [w.assignment_id]);
      }
      const a = await sqlOne<AssignmentRow>(
        em,
        `INSERT INTO assignments (work_item_id, member_id, user_id, task_id, datum_id, token_hash, reward_cents, expires)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8)) RETURNING *`,
        [w.id, member.id, caller.userId, taskId, w.datum_id, sha256(token), w.reward_cents, task.lease_seconds],
      );
      await sql(em, `UPDATE work_items SET status = 'claimed', assignment_id = $2, lease_expires_at = $3, updated = now() WHERE id = $1`, [w.id, a!.id, a!.expires]);
      return a!.id;
    });
    if (!id) return undefined;
    return presentAssignment(await this.view(this.ds.manager, id), this.config.publicUrl, token);
  }

  // ------------------------------------------------------------------ read

  async list(caller: Caller, page: Page, status?: string) {
    const rows = await sql<AssignmentView>(
      this.ds.manager,
      `${VIEW_SQL} WHERE a.user_id = $1 AND ($2::text IS NULL OR a.status = $2) ORDER BY a.id DESC LIMIT $3 OFFSET $4`,
      [caller.userId, status ?? null, page.limit + 1, page.offset],
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
  private async lockPair(em: EntityManager, id: string, auth: AssignmentAuth): Promise<{ w: WorkItemRow; a: AssignmentRow & { lapsed: boolean } } | undefined> {
    const ref = await sqlOne<{ work_item_id: string }>(em, 'SELECT work_item_id FROM assignments WHERE id = $1', [id]);
    if (!ref) return undefined;
    const w = await sqlOne<WorkItemRow>(em, 'SELECT * FROM work_items WHERE id = $1 FOR UPDATE', [ref.work_item_id]);
    const a = await sqlOne<AssignmentRow & { lapsed: boolean }>(em, 'SELECT *, (expires <= now()) AS lapsed FROM assignments WHERE id = $1 FOR UPDATE', [id]);
    if (!w || !a || !this.authorized(a, auth)) return undefined;
    return { w, a };
  }

  /**
   * Ends a claim that will not be submitted (lapsed lease or release): the assignment becomes
   * `status`; the work is open again — or, when its batch was canceled, canceled with its escrow
   * refunded to the requester (business key work:<id>:refund, so a sweeper racing a late submit
   * refunds once).
   */
  async endClaim(em: EntityManager, w: WorkItemRow, a: AssignmentRow, status: 'expired' | 'released'): Promise<void> {
    await sql(em, `UPDATE assignments SET status = $2, updated = now() WHERE id = $1 AND status = 'claimed'`, [a.id, status]);
    if (w.status !== 'claimed' || w.assignment_id !== a.id) return;
    if (w.canceled) {
      await sql(em, `UPDATE work_items SET status = 'canceled', updated = now() WHERE id = $1`, [w.id]);
      const b = await sqlOne<{ guild_id: string; owner_id: string }>(em, 'SELECT guild_id, owner_id FROM batches WHERE id = $1', [w.batch_id]);
      await this.money.refund(em, { guildId: b!.guild_id, requesterUserId: b!.owner_id, amountCents: toCents(w.reward_cents), businessKey: `work:${w.id}:refund`, batchId: w.batch_id });
    } else {
      await sql(em, `UPDATE work_items SET status = 'open', assignment_id = NULL, lease_expires_at = NULL, updated = now() WHERE id = $1`, [w.id]);
    }
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
        await this.endClaim(em, w, a, 'expired');
        return 'expired' as const;
      }
      const task = await sqlOne<{ guild_id: string }>(em, 'SELECT guild_id FROM tasks WHERE id = $1', [w.task_id]);
      await sql(em, `UPDATE work_items SET status = 'done', updated = now() WHERE id = $1`, [w.id]);
      await sql(em, `UPDATE assignments SET status = 'submitted', submitted_at = now(), updated = now() WHERE id = $1`, [a.id]);
      if (w.canceled) {
        // the batch was canceled while this was claimed: the work is paid, but its data are gone
        await sql(em, `INSERT INTO submissions (assignment_id, datum_id, task_id, member_id, parameters) VALUES ($1, $2, $3, $4, '{}')`, [a.id, w.datum_id, w.task_id, a.member_id]);
      } else {
        const json = JSON.stringify(parameters);
        await sql(em, `INSERT INTO submissions (assignment_id, datum_id, task_id, member_id, parameters) VALUES ($1, $2, $3, $4, $5::jsonb)`, [a.id, w.datum_id, w.task_id, a.member_id, json]);
        // the datum moves along every outbound connection of the batch's pipeline snapshot
        await sql(
          em,
          `UPDATE work_items s
              SET waiting_for = s.waiting_for - 1,
                  status = CASE WHEN s.waiting_for = 1 THEN 'open' ELSE s.status END,
                  updated = now()
             FROM batch_connections bc
            WHERE bc.batch_id = $1 AND bc.source_task_id = $2
              AND s.datum_id = $3 AND s.task_id = bc.target_task_id AND s.status = 'waiting'`,
          [w.batch_id, w.task_id, w.datum_id],
        );
        const d = await sqlOne<{ status: string }>(
          em,
          `UPDATE data SET parameters = parameters || $2::jsonb,
                  open_work_count = open_work_count - 1,
                  status = CASE WHEN open_work_count = 1 THEN 'completed' ELSE status END,
                  updated = now()
            WHERE id = $1 RETURNING status`,
          [w.datum_id, json],
        );
        if (d!.status === 'completed') {
          const b = await sqlOne<{ status: string }>(
            em,
            `UPDATE batches SET data_completed_count = data_completed_count + 1,
                    status = CASE WHEN status = 'processing' AND data_completed_count + 1 >= data_count THEN 'completed' ELSE status END,
                    completed_at = CASE WHEN status = 'processing' AND data_completed_count + 1 >= data_count THEN now() ELSE completed_at END,
                    updated = now()
              WHERE id = $1 RETURNING status, (completed_at = now()) AS just_completed`,
            [w.batch_id],
          );
          if (b!.status === 'completed' && (b as { just_completed?: boolean }).just_completed) {
            await this.webhooks.enqueueBatchCompleted(em, w.batch_id, await this.batches.completedPayload(em, w.batch_id));
          }
        }
      }
      await this.money.reward(em, { guildId: task!.guild_id, memberUserId: a.user_id, amountCents: toCents(w.reward_cents), businessKey: `work:${w.id}:reward`, batchId: w.batch_id });
      return 'submitted' as const;
    });
    if (outcome === 'expired') throw gone(`Assignment ${id} expired: its lease lapsed before the submit`);
    if (outcome === 'released') throw gone(`Assignment ${id} was released back to the pool`);
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
        await this.endClaim(em, w, a, 'expired');
        return 'expired' as const;
      }
      await this.endClaim(em, w, a, 'released');
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
    const candidates = await sql<{ id: string }>(this.ds.manager, `SELECT id FROM assignments WHERE status = 'claimed' AND expires <= now() ORDER BY expires LIMIT $1`, [limit]);
    let ended = 0;
    for (const c of candidates) {
      ended += await inTransaction(this.ds, async (em) => {
        const ref = await sqlOne<{ work_item_id: string }>(em, 'SELECT work_item_id FROM assignments WHERE id = $1', [c.id]);
        const w = await sqlOne<WorkItemRow>(em, 'SELECT * FROM work_items WHERE id = $1 FOR UPDATE SKIP LOCKED', [ref!.work_item_id]);
        if (!w) return 0; // someone is submitting or claiming it right now
        const a = await sqlOne<AssignmentRow>(em, `SELECT * FROM assignments WHERE id = $1 AND status = 'claimed' AND expires <= now() FOR UPDATE`, [c.id]);
        if (!a) return 0;
        await this.endClaim(em, w, a, 'expired');
        return 1;
      });
    }
    return ended;
  }
}
