import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type MemberStatus = 'active' | 'removed';

/** numeric(3,2) arrives from pg as a string ("0.86"); the score is a number in TS and on the wire. */
const scoreColumn = {
  to: (v: number | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};

@Entity('members')
export class MemberEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'guild_id', type: 'bigint' })
  guildId: string;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: string;

  @Column({ type: 'text' })
  status: MemberStatus;

  @Column({ name: 'quality_score', type: 'numeric', precision: 3, scale: 2, transformer: scoreColumn })
  qualityScore: number;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated: Date;
}
