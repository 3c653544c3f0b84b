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
}

export function presentMember(v: MemberView) {
  return {
    object: 'Member' as const,
    id: wireId(v.member.id),
    guild_id: wireId(v.member.guildId),
    email: v.email,
    quality_score: Math.round(Number(v.member.qualityScore) * 100) / 100,
    ...money('credit', v.creditCents),
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
