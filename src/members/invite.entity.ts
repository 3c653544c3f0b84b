import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type InviteStatus = 'sending' | 'sent' | 'accepted' | 'revoked';

@Entity('invites')
export class InviteEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'guild_id', type: 'bigint' })
  guildId: string;

  @Column()
  email: string;

  /** SHA-256 of the token in the mailed link; the token itself is never stored */
  @Column({ name: 'token_hash', type: 'bytea', select: false })
  tokenHash: Buffer;

  @Column({ type: 'text' })
  status: InviteStatus;

  @Column({ name: 'invited_by', type: 'bigint' })
  invitedBy: string;

  @Column({ name: 'member_id', type: 'bigint', nullable: true })
  memberId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated: Date;
}
