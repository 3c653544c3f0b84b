import { money } from '../common/money';
import { wireId, wireTime } from '../common/wire';
import { InviteEntity } from './invite.entity';
import { MemberEntity } from './member.entity';

/** A member with what its wire object shows from other tables. */
export interface MemberView {
  member: MemberEntity;
  email: string;
  /** ledger_accounts.balance_cents of the member's wallet in the guild (0 without one) */
  creditCents: number;
  /** the block in force (API.md §12.4), or null: never blocked, unblocked, or its `until` has passed */
  block: { reason: string; at: Date; until: Date | null } | null;
}

export function presentMember(v: MemberView) {
  return {
    object: 'Member' as const,
    id: wireId(v.member.id),
    guild_id: wireId(v.member.guildId),
    email: v.email,
    quality_score: Math.round(Number(v.member.qualityScore) * 100) / 100,
    ...money('credit', v.creditCents),
    blocked: v.block !== null,
    blocked_reason: v.block?.reason ?? null,
    blocked_at: v.block ? wireTime(v.block.at) : null,
    blocked_until: v.block?.until ? wireTime(v.block.until) : null,
    created: wireTime(v.member.created),
    updated: wireTime(v.member.updated),
  };
}

export function presentInvite(invite: InviteEntity, guildName?: string) {
  return {
    object: 'Invite' as const,
    id: wireId(invite.id),
    guild_id: wireId(invite.guildId),
    ...(guildName !== undefined ? { guild_name: guildName } : {}),
    email: invite.email,
    status: invite.status,
    created: wireTime(invite.created),
    updated: wireTime(invite.updated),
  };
}
