import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { forbidden, invalidField, missingParam, notFound } from '../common/errors';
import { toCents } from '../common/money';
import { Page } from '../common/pagination';
import { inTransaction } from '../database/transaction';
import { GuildAccess } from '../guilds/guild-access.service';
import { MemberEntity } from './member.entity';
import { MemberView } from './members.presenter';
import {
  activeMemberViewByEmail,
  activeMemberViews,
  deleteSubscriptionsOfMember,
  isAhead,
  isMemberBlocked,
  markMemberBlocked,
  markMemberRemoved,
  markMemberUnblocked,
  memberView,
  MemberViewRow,
} from './members.repository';
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
  const block = r.blocked && r.blocked_at && r.blocked_reason !== null ? { reason: r.blocked_reason, at: r.blocked_at, until: r.blocked_until } : null;
  return { member, email: r.email, creditCents: toCents(r.credit_cents), block };
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

  /** Active members of the guild, newest first; `blocked` filters on the block in force (§12.4). Owner only. */
  async list(caller: Caller, guildId: string, page: Page, blocked?: boolean): Promise<MemberView[]> {
    await this.access.ownerOnly(caller, guildId);
    return (await activeMemberViews(this.db.manager, guildId, page.limit + 1, page.offset, blocked)).map(toView);
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
   * The active member `id` of guild `guildId`, locked (FOR UPDATE: a claim statement of theirs
   * holds the row FOR SHARE, so this waits for claims in flight, and later claims wait for this
   * transaction and then see its outcome). Owner only: the member themself gets 403, anyone else 404.
   */
  private async lockForOwner(em: EntityManager, caller: Caller, id: string, guildId: string | undefined, what: string): Promise<MemberEntity> {
    const member = await em.findOne(MemberEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!member || member.status !== 'active' || (guildId !== undefined && member.guildId !== String(guildId))) throw notFound('Member', id);
    if (!(await this.access.isOwner(caller, member.guildId, em))) {
      if (member.userId === caller.userId) throw forbidden(`Only the owner of the guild may ${what}`);
      throw notFound('Member', id);
    }
    return member;
  }

  /**
   * Blocks a member (API.md §12.4; owner only): they cannot claim in the guild until unblocked or
   * until `until` (which must be ahead); their live assignments end at once as a removal ends
   * them (ClaimEndings: back to the pool, or refunded when their batch was canceled); their
   * records, subscriptions and wallet stay. A member blocked already is answered as they are
   * (no change: the first block's reason and end stand).
   */
  async block(caller: Caller, guildId: string, id: string, reason: string, until: Date | null): Promise<MemberView> {
    await inTransaction(this.db, async (em) => {
      const member = await this.lockForOwner(em, caller, id, guildId, 'block members');
      // against the database clock, the one that ends the block
      if (until !== null && !(await isAhead(em, until))) {
        throw invalidField('until', 'must be in the future (a block whose end has passed would block nothing)');
      }
      if (await isMemberBlocked(em, member.id)) return;
      await markMemberBlocked(em, member.id, reason, until);
      await this.claims.endClaimsOfMember(em, member.id, 'member_blocked');
    });
    return (await this.view(id))!;
  }

  /** Ends a member's block (owner only); a member who is not blocked is answered as they are. */
  async unblock(caller: Caller, guildId: string, id: string): Promise<MemberView> {
    await inTransaction(this.db, async (em) => {
      const member = await this.lockForOwner(em, caller, id, guildId, 'unblock members');
      if (await isMemberBlocked(em, member.id)) await markMemberUnblocked(em, member.id);
    });
    return (await this.view(id))!;
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
