import { wireId, wireTime } from '../common/wire';
import { WorkspaceEntity } from './workspace.entity';

export function presentWorkspace(w: WorkspaceEntity) {
  return {
    object: 'Workspace' as const,
    id: wireId(w.id),
    name: w.name,
    preview: w.preview,
    permissions: w.permissions,
    created: wireTime(w.created),
    updated: wireTime(w.updated),
  };
}

/** The workspace as nested in a Task (API.md §4). */
export function presentNestedWorkspace(w: WorkspaceEntity | undefined | null) {
  if (!w) return null;
  return { name: w.name, link: `api/workspaces/${wireId(w.id)}`, preview: w.preview, permissions: w.permissions };
}
