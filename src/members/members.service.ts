import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { forbidden, missingParam, notFound } from '../common/errors';
import { toCents } from '../common/money';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { GuildAccess } from '../guilds/guild-access.service';
import { MemberEntity } from './member.entity';
import { MemberView } from './members.presenter';
import { ClaimEndings } from '../work/claim-endings';

const VIEW_SQL = `
  SELECT m.id, m.guild_id, m.user_id, m.status, m.quality_score, m.removed_at, m.created, m.updated,
         u.email, coalesce(la.balance_cents, 0) AS credit_cents
    FROM members m
    JOIN users u ON u.id = m.user_id
    LEFT JOIN ledger_accounts la ON la.kind = 'wallet' AND la.guild_id = m.guild_id AND la.user_id = m.user_id`;

interface ViewRow {
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
}

function toView(r: ViewRow): MemberView {
  const member = Object.assign(new MemberEntity(), {
    id: String(r.id),
    guildId: String(r.guild_id),
    userId: String(r.user_id),
    status: r.status,
    qualityScore: Number(r.quality_score),
    removedAt: r.removed_at,
    created: r.created,
    updated: r.updated,
  });
  return { member, email: r.email, creditCents: toCents(r.credit_cents) };
}

@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: GuildAccess,
    private readonly claims: ClaimEndings,
  ) {}

  /** The wire view of one member (any status). */
  async view(memberId: string, em?: EntityManager): Promise<MemberView | undefined> {
    const rows: ViewRow[] = await (em ?? this.db.manager).query(`${VIEW_SQL} WHERE m.id = $1`, [memberId]);
    return rows[0] ? toView(rows[0]) : undefined;
  }

  /** Active members of the guild, newest first. Owner only. */
  async list(caller: Caller, guildId: string, page: Page): Promise<MemberView[]> {
    await this.access.ownerOnly(caller, guildId);
    const rows: ViewRow[] = await this.db.query(`${VIEW_SQL} WHERE m.guild_id = $1 AND m.status = 'active' ORDER BY m.id DESC LIMIT $2 OFFSET $3`, [
      guildId,
      page.limit + 1,
      page.offset,
    ]);
    return rows.map(toView);
  }

  async find(caller: Caller, guildId: string, email: string | undefined): Promise<MemberView> {
    await this.access.ownerOnly(caller, guildId);
    if (!email || !email.trim()) throw missingParam('email');
    const rows: ViewRow[] = await this.db.query(`${VIEW_SQL} WHERE m.guild_id = $1 AND m.status = 'active' AND lower(u.email) = lower($2)`, [
      guildId,
      email.trim(),
    ]);
    if (!rows[0]) throw notFound('Member');
    return toView(rows[0]);
  }

  /**
   * An active member, seen by the guild owner or by the member themself. Anyone else — other
   * members included — gets 404. `guildId` (nested route) must match.
   */
  async get(caller: Caller, id: string, guildId?: string): Promise<MemberView> {
    const v = await this.view(id);
    if (!v || v.member.status !== 'active' || (guildId !== undefined && v.member.guildId !== String(guildId))) throw notFound('Member', id);
    if (v.member.userId === caller.userId) return v;
    const owned = await this.db.query(`SELECT 1 FROM guilds WHERE id = $1 AND owner_id = $2`, [v.member.guildId, caller.userId]);
    if (owned.length === 0) throw notFound('Member', id);
    return v;
  }

  /**
   * Ends a membership (owner only): status 'removed', the member's live assignments end (ClaimEndings: back to
   * the pool, or refunded when their batch was canceled) and their subscriptions are dropped, in one transaction. Work records and the wallet stay.
   */
  remove(caller: Caller, id: string, guildId?: string): Promise<MemberEntity> {
    return inTransaction(this.db, async (em) => {
      const member = await em.findOne(MemberEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!member || member.status !== 'active' || (guildId !== undefined && member.guildId !== String(guildId))) throw notFound('Member', id);
      const owned = await em.query(`SELECT 1 FROM guilds WHERE id = $1 AND owner_id = $2`, [member.guildId, caller.userId]);
      if (owned.length === 0) {
        if (member.userId === caller.userId) throw forbidden('Only the owner of the guild may remove members');
        throw notFound('Member', id);
      }
      await em.query(`UPDATE members SET status = 'removed', removed_at = now(), updated = now() WHERE id = $1`, [member.id]);
      // every live claim ends the one way claims end (ClaimEndings): reopened, or refunded when its batch was canceled
      await this.claims.endClaimsOfMember(em, member.id);
      await em.query(`DELETE FROM subscriptions WHERE member_id = $1`, [member.id]);
      return member;
    });
  }
}
