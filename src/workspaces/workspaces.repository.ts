import { EntityManager } from 'typeorm';
import { WorkspaceEntity } from './workspace.entity';

/** The only code that writes the workspaces table (docs/architecture.md, "Who owns which table"). */

export type NewWorkspace = Pick<WorkspaceEntity, 'ownerId' | 'name' | 'preview' | 'permissions'>;

export function insertWorkspace(em: EntityManager, workspace: NewWorkspace): Promise<WorkspaceEntity> {
  return em.save(em.create(WorkspaceEntity, workspace));
}
