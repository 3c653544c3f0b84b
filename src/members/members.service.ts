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
import { activeMemberViewByEmail, activeMemberViews, deleteSubscriptionsOfMember, markMemberRemoved, memberView, MemberViewRow } from './members.repository';
import { ClaimEndings } from '../work/claim-endings';

function toView(r: MemberViewRow): MemberView {
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
    const row = await memberView(em ?? this.db.manager, memberId);
    return row ? toView(row) : undefined;
  }

  /** Active members of the guild, newest first. Owner only. */
  async list(caller: Caller, guildId: string, page: Page): Promise<MemberView[]> {
    await this.access.ownerOnly(caller, guildId);
    return (await activeMemberViews(this.db.manager, guildId, page.limit + 1, page.offset)).map(toView);
  }

  async find(caller: Caller, guildId: string, email: string | undefined): Promise<MemberView> {
    await this.access.ownerOnly(caller, guildId);
    if (!email || !email.trim()) throw missingParam('email');
    const row = await activeMemberViewByEmail(this.db.manager, guildId, email.trim());
    if (!row) throw notFound('Member');
    return toView(row);
  }

  /**
   * An active member, seen by the guild owner or by the member themself. Anyone else — other
   * members included — gets 404. `guildId` (nested route) must match.
   */
  async get(caller: Caller, id: string, guildId?: string): Promise<MemberView> {
    const v = await this.view(id);
    if (!v || v.member.status !== 'active' || (guildId !== undefined && v.member.guildId !== String(guildId))) throw notFound('Member', id);
    if (v.member.userId === caller.userId) return v;
    if (!(await this.access.isOwner(caller, v.member.guildId))) throw notFound('Member', id);
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
      if (!(await this.access.isOwner(caller, member.guildId, em))) {
        if (member.userId === caller.userId) throw forbidden('Only the owner of the guild may remove members');
        throw notFound('Member', id);
      }
      await markMemberRemoved(em, member.id);
      // every live claim ends the one way claims end (ClaimEndings): reopened, or refunded when its batch was canceled
      await this.claims.endClaimsOfMember(em, member.id);
      await deleteSubscriptionsOfMember(em, member.id);
      return member;
    });
  }
}
