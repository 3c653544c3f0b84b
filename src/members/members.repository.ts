import { EntityManager } from 'typeorm';
import { sql, sqlOne } from '../database/sql';
import { InviteEntity } from './invite.entity';

/**
 * The only code that writes the members, invites and subscriptions tables (docs/architecture.md,
 * "Who owns which table"), and the members module's raw reads. One function per statement; pass
 * the transaction's `em`.
 */

// ── members ────────────────────────────────────────────────────────────────────────────────────

/** A member as the wire shows it: with the user's email and the member's wallet in the guild. */
export interface MemberViewRow {
  id: string;
  guild_id: string;
  user_id: string;
  status: 'active' | 'removed';
  quality_score: string;
  removed_at: Date | null;
  created: Date;
  updated: Date;
  email: string;
  credit_cents: string;
  /** the block in force (API.md §12.4): false once `blocked_until` has passed */
  blocked: boolean;
  blocked_at: Date | null;
  blocked_until: Date | null;
  blocked_reason: string | null;
}

/**
 * Whether the member of alias `m` is blocked in its guild right now (API.md §12.4): a block with
 * no end, or one whose `blocked_until` is still ahead (the database clock decides; a block ends by
 * itself). A SQL expression for the reads of this module and the claim statements.
 */
export const memberBlockedSql = (m: string) => `(${m}.blocked_at IS NOT NULL AND (${m}.blocked_until IS NULL OR ${m}.blocked_until > now()))`;

const VIEW_SQL = `
  SELECT m.id, m.guild_id, m.user_id, m.status, m.quality_score, m.removed_at, m.created, m.updated,
         ${memberBlockedSql('m')} AS blocked, m.blocked_at, m.blocked_until, m.blocked_reason,
         u.email, coalesce(la.balance_cents, 0) AS credit_cents
    FROM members m
    JOIN users u ON u.id = m.user_id
    LEFT JOIN ledger_accounts la ON la.kind = 'wallet' AND la.guild_id = m.guild_id AND la.user_id = m.user_id`;

export function memberView(em: EntityManager, memberId: string): Promise<MemberViewRow | undefined> {
  return sqlOne<MemberViewRow>(em, `${VIEW_SQL} WHERE m.id = $1`, [memberId]);
}

/**
 * Active members of the guild, newest first; `blocked` true: only those blocked now, false: only
 * those not blocked, undefined: all. The blocked ones come from members_blocked_idx.
 */
export function activeMemberViews(em: EntityManager, guildId: string, limit: number, offset: number, blocked?: boolean): Promise<MemberViewRow[]> {
  const filter = blocked === undefined ? '' : blocked ? `AND m.blocked_at IS NOT NULL AND ${memberBlockedSql('m')}` : `AND NOT ${memberBlockedSql('m')}`;
  return sql<MemberViewRow>(em, `${VIEW_SQL} WHERE m.guild_id = $1 AND m.status = 'active' ${filter} ORDER BY m.id DESC LIMIT $2 OFFSET $3`, [
    guildId,
    limit,
    offset,
  ]);
}

/**
 * Whether the member is blocked in their guild right now (API.md §12.4; a block with `until` ends
 * by itself then). The one question other modules ask about blocks (e.g. the skills list of
 * §11.4); false for an unknown member.
 */
export async function isMemberBlocked(em: EntityManager, memberId: string): Promise<boolean> {
  const row = await sqlOne<{ blocked: boolean }>(em, `SELECT ${memberBlockedSql('m')} AS blocked FROM members m WHERE m.id = $1`, [memberId]);
  return row?.blocked === true;
}

/** Whether `t` is later than the database's now() (the clock that ends a block). */
export async function isAhead(em: EntityManager, t: Date): Promise<boolean> {
  const row = await sqlOne<{ ok: boolean }>(em, 'SELECT $1::timestamptz > now() AS ok', [t]);
  return row!.ok;
}

/** Blocks the member (API.md §12.4): a new block replaces an ended one. */
export async function markMemberBlocked(em: EntityManager, memberId: string, reason: string, until: Date | null): Promise<void> {
  await sql(em, `UPDATE members SET blocked_at = now(), blocked_until = $2, blocked_reason = $3, updated = now() WHERE id = $1`, [memberId, until, reason]);
}

/** Ends the member's block (a block that ended by itself is cleared too). */
export async function markMemberUnblocked(em: EntityManager, memberId: string): Promise<void> {
  await sql(em, `UPDATE members SET blocked_at = NULL, blocked_until = NULL, blocked_reason = NULL, updated = now() WHERE id = $1`, [memberId]);
}

export function activeMemberViewByEmail(em: EntityManager, guildId: string, email: string): Promise<MemberViewRow | undefined> {
  return sqlOne<MemberViewRow>(em, `${VIEW_SQL} WHERE m.guild_id = $1 AND m.status = 'active' AND lower(u.email) = lower($2)`, [guildId, email]);
}

export async function isActiveMemberByEmail(em: EntityManager, guildId: string, email: string): Promise<boolean> {
  const rows = await sql(
    em,
    `SELECT 1 FROM members m JOIN users u ON u.id = m.user_id
      WHERE m.guild_id = $1 AND m.status = 'active' AND lower(u.email) = lower($2)`,
    [guildId, email],
  );
  return rows.length > 0;
}

/** Makes the user an active member of the guild: a new row, or the removed one re-activated. */
export async function upsertActiveMember(em: EntityManager, guildId: string, userId: string): Promise<string> {
  const row = await sqlOne<{ id: string }>(
    em,
    `INSERT INTO members (guild_id, user_id) VALUES ($1, $2)
     ON CONFLICT (guild_id, user_id) DO UPDATE SET status = 'active', removed_at = NULL, updated = now()
     RETURNING id`,
    [guildId, userId],
  );
  return row!.id;
}

export async function markMemberRemoved(em: EntityManager, memberId: string): Promise<void> {
  await sql(em, `UPDATE members SET status = 'removed', removed_at = now(), updated = now() WHERE id = $1`, [memberId]);
}

// ── invites ────────────────────────────────────────────────────────────────────────────────────

export async function hasPendingInvite(em: EntityManager, guildId: string, email: string): Promise<boolean> {
  const rows = await sql(em, `SELECT 1 FROM invites WHERE guild_id = $1 AND lower(email) = lower($2) AND status IN ('sending', 'sent')`, [guildId, email]);
  return rows.length > 0;
}

export type NewInvite = Pick<InviteEntity, 'guildId' | 'email' | 'tokenHash' | 'status' | 'invitedBy'>;

export function insertInvite(em: EntityManager, invite: NewInvite): Promise<InviteEntity> {
  return em.save(em.create(InviteEntity, invite));
}

/** Writes the changed fields of a loaded invite (revoking sets its status). */
export function saveInvite(em: EntityManager, invite: InviteEntity): Promise<InviteEntity> {
  return em.save(invite);
}

export interface InviteRow {
  id: string;
  guild_id: string;
  email: string;
  status: string;
  token_hash: Buffer;
}

/** The invite with its token hash, locked until the transaction ends. */
export function lockInvite(em: EntityManager, id: string): Promise<InviteRow | undefined> {
  return sqlOne<InviteRow>(em, `SELECT id, guild_id, email, status, token_hash FROM invites WHERE id = $1 FOR UPDATE`, [id]);
}

export async function markInviteAccepted(em: EntityManager, inviteId: string, memberId: string): Promise<void> {
  await sql(em, `UPDATE invites SET status = 'accepted', member_id = $2, updated = now() WHERE id = $1`, [inviteId, memberId]);
}

export interface MailableInviteRow {
  id: string;
  email: string;
  guild_name: string;
}

/** Stores the hash of a fresh token on an invite still being sent; undefined once accepted or revoked. */
export function setInviteToken(em: EntityManager, inviteId: string, tokenHash: Buffer): Promise<MailableInviteRow | undefined> {
  return sqlOne<MailableInviteRow>(
    em,
    `UPDATE invites i SET token_hash = $2, updated = now() FROM guilds g
      WHERE i.id = $1 AND i.status = 'sending' AND g.id = i.guild_id
      RETURNING i.id, i.email, g.name AS guild_name`,
    [inviteId, tokenHash],
  );
}

export async function markInviteSent(em: EntityManager, inviteId: string): Promise<void> {
  await sql(em, `UPDATE invites SET status = 'sent', updated = now() WHERE id = $1 AND status = 'sending'`, [inviteId]);
}

// ── subscriptions ──────────────────────────────────────────────────────────────────────────────

export interface SubscriptionRow {
  member_id: string;
  task_id: string;
  created: Date;
}

/** The new subscription, or undefined when the member is subscribed already. */
export function insertSubscription(em: EntityManager, memberId: string, taskId: string): Promise<SubscriptionRow | undefined> {
  return sqlOne<SubscriptionRow>(
    em,
    `INSERT INTO subscriptions (member_id, task_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING member_id, task_id, created`,
    [memberId, taskId],
  );
}

export function subscriptionOf(em: EntityManager, memberId: string, taskId: string): Promise<SubscriptionRow | undefined> {
  return sqlOne<SubscriptionRow>(em, `SELECT member_id, task_id, created FROM subscriptions WHERE member_id = $1 AND task_id = $2`, [memberId, taskId]);
}

/** The deleted subscription, or undefined when there was none. */
export function deleteSubscription(em: EntityManager, memberId: string, taskId: string): Promise<SubscriptionRow | undefined> {
  return sqlOne<SubscriptionRow>(em, `DELETE FROM subscriptions WHERE member_id = $1 AND task_id = $2 RETURNING member_id, task_id, created`, [
    memberId,
    taskId,
  ]);
}

export async function deleteSubscriptionsOfMember(em: EntityManager, memberId: string): Promise<void> {
  await sql(em, `DELETE FROM subscriptions WHERE member_id = $1`, [memberId]);
}

export interface SubscribedTaskRow {
  task_id: string;
  open_work_count: string;
}

/**
 * The user's subscribed tasks in guilds where they are still an active member, most recent
 * subscription first, each with its count of open work: open items and answer slots, and claimed
 * ones whose lease has lapsed (claimable again).
 */
export function subscribedTasks(em: EntityManager, userId: string, limit: number, offset: number): Promise<SubscribedTaskRow[]> {
  return sql<SubscribedTaskRow>(
    em,
    `SELECT s.task_id,
            (SELECT count(*) FROM work_items w
              WHERE w.task_id = s.task_id
                AND (w.status = 'open' OR (w.status = 'claimed' AND w.lease_expires_at < now() AND NOT w.canceled)))
            -- answer slots of data collecting several answers (API.md §11.1)
            + (SELECT count(*) FROM answer_slots sl
                WHERE sl.task_id = s.task_id AND (sl.status = 'open' OR (sl.status = 'claimed' AND sl.lease_expires_at < now()))) AS open_work_count
       FROM subscriptions s
       JOIN members m ON m.id = s.member_id AND m.status = 'active' AND m.user_id = $1
      ORDER BY s.created DESC, s.task_id DESC
      LIMIT $2 OFFSET $3`,
    [userId, limit, offset],
  );
}

/** The member's quality_score (§6, §11.4), as the quality module computes it (0.00–1.00, two decimals). */
export async function setQualityScore(em: EntityManager, memberId: string, score: number): Promise<void> {
  await sql(em, `UPDATE members SET quality_score = $2, updated = now() WHERE id = $1 AND quality_score IS DISTINCT FROM $2::numeric(3, 2)`, [memberId, score]);
}
