import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { centsColumn } from '../common/money';
import type { QualitySettings } from '../quality/settings/quality-settings';

@Entity('tasks')
export class TaskEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'guild_id', type: 'bigint' })
  guildId: string;

  @Column({ name: 'workspace_id', type: 'bigint', nullable: true })
  workspaceId: string | null;

  @Column()
  name: string;

  /** what one datum costs at this task, and what the worker who does it earns */
  @Column({ name: 'minimum_amount_cents', type: 'bigint', transformer: centsColumn })
  minimumAmountCents: number;

  /** how long a claim holds the work (default 1800) */
  @Column({ name: 'lease_seconds', type: 'int' })
  leaseSeconds: number;

  /** API.md §11; null = one answer per datum, approved at once (§7) */
  @Column({ type: 'jsonb', nullable: true })
  quality: QualitySettings | null;

  @CreateDateColumn({ type: 'timestamptz' })
  created: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated: Date;
}
