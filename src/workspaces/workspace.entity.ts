import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type WorkspacePermissions = 'open' | 'closed';

@Entity('workspaces')
export class WorkspaceEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'owner_id', type: 'bigint' })
  ownerId: string;

  @Column()
  name: string;

  @Column()
  preview: string;

  @Column({ type: 'text' })
  permissions: WorkspacePermissions;

  @CreateDateColumn({ type: 'timestamptz' })
  created: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated: Date;
}
