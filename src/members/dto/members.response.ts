import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Cents, DeletedOf, ListOf, MoneyText, ObjectName, Timestamp, WireId } from '../../common/openapi/properties';

/** The wire objects of members.presenter.ts and the subscription answers. */
export class Member {
  @ObjectName('Member') object: 'Member';
  @WireId() id: string;
  @WireId() guild_id: string;
  @ApiProperty({ type: String, format: 'email', example: 'worker@example.com' }) email: string;
  @ApiProperty({ type: Number, minimum: 0, maximum: 1, example: 1 }) quality_score: number;
  @MoneyText('$12.00', "the member's wallet balance in the guild") credit: string;
  @Cents(1200) credit_cents: number;
  @ApiProperty({ type: Boolean, description: 'blocked in the guild now (§12.4): no claims; false again once `blocked_until` has passed', example: false })
  blocked: boolean;
  @ApiProperty({ type: String, nullable: true, description: "the owner's reason while blocked, else null", example: null }) blocked_reason: string | null;
  @Timestamp({ nullable: true, description: 'when the block in force began, else null', example: null }) blocked_at: string | null;
  @Timestamp({ nullable: true, description: 'when the block in force ends by itself; null: until unblocked (or not blocked)', example: null })
  blocked_until: string | null;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class Invite {
  @ObjectName('Invite') object: 'Invite';
  @WireId() id: string;
  @WireId() guild_id: string;
  @ApiPropertyOptional({ type: String, description: 'GET /api/me/invites only', example: 'Audio Transcription' }) guild_name?: string;
  @ApiProperty({ type: String, format: 'email', example: 'worker@example.com' }) email: string;
  @ApiProperty({ enum: ['sending', 'sent', 'accepted', 'revoked'], example: 'sent', description: 'sending until the background job has mailed it' })
  status: 'sending' | 'sent' | 'accepted' | 'revoked';
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class Subscription {
  @ObjectName('Subscription') object: 'Subscription';
  @WireId() task_id: string;
  @WireId() member_id: string;
  @Timestamp() created: string;
}

export class DeletedSubscription extends Subscription {
  @ApiProperty({ enum: [true], type: Boolean, example: true }) deleted: true;
}

export const MemberList = ListOf(Member, '/api/guilds/1/members');
export const InviteList = ListOf(Invite, '/api/guilds/1/invites');
export const DeletedMember = DeletedOf('Member');
