import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { sha256 } from '../auth/credentials';
import { APP_CONFIG, AppConfig } from '../config/config';
import { sql, sqlOne } from '../database/sql';
import { VISIBLE_PARAMETERS_SQL } from '../work/work-sql';

/** What the worker pages show of one assignment, found by its id and submit_to token. */
export interface AssignmentPageView {
  id: string;
  status: 'claimed' | 'submitted' | 'released' | 'expired';
  /** the lease has passed (by the database clock) */
  lapsed: boolean;
  expires: Date;
  rewardCents: number;
  userId: string;
  memberId: string;
  taskId: string;
  taskName: string;
  guildId: string;
  guildName: string;
  datumId: string;
  /** the datum's parameters as this assignment may show them (VISIBLE_PARAMETERS_SQL) */
  parameters: Record<string, unknown>;
  /** what this assignment's submit added, once submitted */
  submitted: Record<string, unknown> | null;
}

/** What a stranger's guess is compared against when the id is unknown, so both paths cost the same. */
const DUMMY_HASH = sha256('not-a-token');

/**
 * Reads for the token-authorised worker pages (the sample workspace, the after-submit page). The
 * token of submit_to is the only credential these pages have: a wrong token and an unknown id look
 * the same (undefined → 404), and the comparison is timing-safe.
 */
@Injectable()
export class WorkerPagesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get publicUrl(): string {
    return this.config.publicUrl;
  }

  async assignmentByToken(id: string | undefined, token: string | undefined): Promise<AssignmentPageView | undefined> {
    if (!id || !/^\d{1,18}$/.test(id) || !token || token.length > 200) {
      timingSafeEqual(DUMMY_HASH, DUMMY_HASH);
      return undefined;
    }
    const rows = await sql<Record<string, unknown>>(
      this.ds.manager,
      `SELECT a.id, a.status, (a.expires <= now()) AS lapsed, a.expires, a.reward_cents, a.token_hash,
              a.user_id, a.member_id, a.task_id, t.name AS task_name, t.guild_id, g.name AS guild_name,
              a.datum_id, ${VISIBLE_PARAMETERS_SQL} AS parameters, s.parameters AS submitted
         FROM assignments a
         JOIN tasks t ON t.id = a.task_id
         JOIN guilds g ON g.id = t.guild_id
         JOIN data d ON d.id = a.datum_id
         LEFT JOIN submissions s ON s.assignment_id = a.id
        WHERE a.id = $1`,
      [id],
    );
    const r = rows[0];
    const given = sha256(token);
    const stored = (r?.token_hash as Buffer | undefined) ?? DUMMY_HASH;
    const ok = stored.length === given.length && timingSafeEqual(stored, given);
    if (!r || !ok) return undefined;
    return {
      id: String(r.id),
      status: r.status as AssignmentPageView['status'],
      lapsed: r.lapsed === true,
      expires: r.expires as Date,
      rewardCents: Number(r.reward_cents),
      userId: String(r.user_id),
      memberId: String(r.member_id),
      taskId: String(r.task_id),
      taskName: String(r.task_name),
      guildId: String(r.guild_id),
      guildName: String(r.guild_name),
      datumId: String(r.datum_id),
      parameters: (r.parameters as Record<string, unknown>) ?? {},
      submitted: (r.submitted as Record<string, unknown> | null) ?? null,
    };
  }

  /** Work at the task a claim could take now (open, or claimed with a lapsed lease). */
  async openWorkCount(taskId: string): Promise<number> {
    const rows = await sql<{ n: string }>(
      this.ds.manager,
      `SELECT (SELECT count(*) FROM work_items
                WHERE task_id = $1 AND status IN ('open', 'claimed')
                  AND (status = 'open' OR (lease_expires_at <= now() AND NOT canceled)))
            -- answer slots of data collecting several answers (API.md §11.1)
            + (SELECT count(*) FROM answer_slots
                WHERE task_id = $1 AND status IN ('open', 'claimed') AND (status = 'open' OR lease_expires_at <= now())) AS n`,
      [taskId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Runs `fn` at most once at a time per submitted assignment, across processes: a transaction
   * holds an advisory lock on the assignment while `fn` runs (and commits its claim). A second
   * post of the same form while the first is running gets 'busy' at once, without waiting on a
   * connection; one arriving after it sees the first's claim (claimedSince). Issue 13: eight
   * concurrent posts of one after-submit form gave the worker two claims.
   */
  async onePerSubmitted<T>(assignmentId: string, fn: () => Promise<T>): Promise<T | 'busy'> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const lock = await sqlOne<{ ok: boolean }>(qr.manager, `SELECT pg_try_advisory_xact_lock(hashtextextended('claim-next:' || $1::text, 0)) AS ok`, [
        assignmentId,
      ]);
      if (!lock?.ok) return 'busy';
      return await fn();
    } finally {
      // nothing was written on this connection: ending the transaction only frees the lock
      await qr.rollbackTransaction().catch(() => undefined);
      await qr.release();
    }
  }

  /**
   * Whether the worker has claimed at this task since this assignment: the after-submit page's
   * "claim next" works once per submitted assignment.
   */
  async claimedSince(a: AssignmentPageView): Promise<boolean> {
    const rows = await sql(this.ds.manager, `SELECT 1 FROM assignments WHERE user_id = $1 AND task_id = $2 AND id > $3 LIMIT 1`, [a.userId, a.taskId, a.id]);
    return rows.length > 0;
  }
}
