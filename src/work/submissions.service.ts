import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { notFound } from '../common/errors';
import { money, toCents } from '../common/money';
import { CursorPage, pageOf, unknownCursor } from '../common/pagination';
import { wireId, wireTime } from '../common/wire';
import { sql, sqlOne } from '../database/sql';

export const SUBMISSION_STATUSES = ['pending', 'approved', 'rejected'] as const;

interface SubmissionRow {
  id: string;
  assignment_id: string;
  task_id: string;
  datum_id: string;
  member_id: string;
  parameters: Record<string, unknown>;
  status: string;
  reward_cents: string;
  auto_approve_at: Date | null;
  reject_reason: string | null;
  reject_message: string | null;
  evidence: unknown;
  appeal_status: string | null;
  appeal_message: string | null;
  appeal_created: Date | null;
  appeal_answer: string | null;
  appeal_decided: Date | null;
  seconds: number | null;
  created: Date;
  updated: Date;
}

/**
 * The Submission as stored: its own review columns, and — for an answer the gold work rejected at
 * submit (gold_mismatch, written on `answers` only) — the answer's status, reason and evidence.
 */
const SELECT = `
  SELECT s.id, s.assignment_id, s.task_id, s.datum_id, s.member_id, s.parameters,
         CASE WHEN an.status = 'rejected' AND s.appeal_status IS DISTINCT FROM 'approved' THEN 'rejected' ELSE s.status END AS status,
         s.reward_cents, s.auto_approve_at,
         coalesce(s.reject_reason, an.reject_reason) AS reject_reason,
         coalesce(s.reject_message, an.reject_message) AS reject_message,
         coalesce(s.evidence, an.evidence) AS evidence,
         s.appeal_status, s.appeal_message, s.appeal_created, s.appeal_answer, s.appeal_decided,
         coalesce(s.seconds, an.seconds) AS seconds, s.created, s.updated
    FROM submissions s
    LEFT JOIN answers an ON an.assignment_id = s.assignment_id`;

/** The message of a gold_mismatch rejection recorded without one (docs/review.md). */
const GOLD_MISMATCH_MESSAGE = 'The answer to a control item (one whose answer is known) was not the expected one; see the evidence.';

export function presentSubmission(r: SubmissionRow) {
  return {
    object: 'Submission' as const,
    id: wireId(r.id),
    assignment_id: wireId(r.assignment_id),
    task_id: wireId(r.task_id),
    datum_id: wireId(r.datum_id),
    member_id: wireId(r.member_id),
    parameters: r.parameters,
    status: r.status,
    ...money('reward', toCents(r.reward_cents)),
    auto_approve_at: r.status === 'pending' && r.auto_approve_at ? wireTime(r.auto_approve_at) : null,
    reject_reason: r.status === 'rejected' || r.reject_reason ? r.reject_reason : null,
    reject_message: r.reject_message ?? (r.reject_reason === 'gold_mismatch' ? GOLD_MISMATCH_MESSAGE : null),
    evidence: r.evidence ?? null,
    appeal: r.appeal_status
      ? {
          status: r.appeal_status,
          message: r.appeal_message,
          created: wireTime(r.appeal_created!),
          reply: r.appeal_answer,
          decided: r.appeal_decided ? wireTime(r.appeal_decided) : null,
        }
      : null,
    seconds: r.seconds,
    created: wireTime(r.created),
    updated: wireTime(r.updated),
  };
}

/** Submissions as owners and members read them (API.md §12.1). */
@Injectable()
export class SubmissionsService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** GET /api/submissions/:id: the guild's owner, or the member who submitted it; 404 for anyone else. */
  async get(caller: Caller, id: string) {
    const r = await sqlOne<SubmissionRow>(
      this.ds.manager,
      `${SELECT}
        JOIN tasks t ON t.id = s.task_id JOIN guilds g ON g.id = t.guild_id JOIN members m ON m.id = s.member_id
       WHERE s.id = $1 AND (g.owner_id = $2 OR m.user_id = $2)`,
      [id, caller.userId],
    );
    if (!r) throw notFound('Submission', id);
    return presentSubmission(r);
  }

  /** GET /api/tasks/:id/submissions (owner): the review queue, oldest first (§11.6 "Orders"). */
  async ofTask(caller: Caller, taskId: string, page: CursorPage, status?: string) {
    const task = await sqlOne(this.ds.manager, 'SELECT 1 FROM tasks t JOIN guilds g ON g.id = t.guild_id WHERE t.id = $1 AND g.owner_id = $2', [
      taskId,
      caller.userId,
    ]);
    if (!task) throw notFound('Task', taskId);
    if (page.after !== undefined && !(await sqlOne(this.ds.manager, 'SELECT 1 FROM submissions WHERE id = $1 AND task_id = $2', [page.after, taskId]))) {
      throw unknownCursor(page.after);
    }
    const rows = await sql<SubmissionRow>(
      this.ds.manager,
      `SELECT * FROM (${SELECT} WHERE s.task_id = $1 AND ($5::bigint IS NULL OR s.id > $5)) x
        WHERE ($2::text IS NULL OR x.status = $2) ORDER BY x.id LIMIT $3 OFFSET $4`,
      [taskId, status ?? null, page.limit + 1, page.offset, page.after ?? null],
    );
    return pageOf(`/api/tasks/${taskId}/submissions`, page, rows, presentSubmission);
  }

  /** GET /api/me/submissions: the caller's own, in every guild, newest first. */
  async mine(caller: Caller, page: CursorPage, status?: string) {
    const mine = `s.member_id IN (SELECT id FROM members WHERE user_id = $1)`;
    if (page.after !== undefined && !(await sqlOne(this.ds.manager, `SELECT 1 FROM submissions s WHERE s.id = $2 AND ${mine}`, [caller.userId, page.after]))) {
      throw unknownCursor(page.after);
    }
    const rows = await sql<SubmissionRow>(
      this.ds.manager,
      `SELECT * FROM (${SELECT} WHERE ${mine} AND ($5::bigint IS NULL OR s.id < $5)) x
        WHERE ($2::text IS NULL OR x.status = $2) ORDER BY x.id DESC LIMIT $3 OFFSET $4`,
      [caller.userId, status ?? null, page.limit + 1, page.offset, page.after ?? null],
    );
    return pageOf('/api/me/submissions', page, rows, presentSubmission);
  }
}
