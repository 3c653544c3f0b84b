import { money } from '../common/money';
import { ApiVersion, nestedCollection, wireId, wireTime } from '../common/wire';
import { presentQuality } from '../quality/settings/quality-settings';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { presentNestedWorkspace } from '../workspaces/workspaces.presenter';
import { ConnectionEntity } from './connection.entity';
import { TaskEntity } from './task.entity';
import { payFigures } from './pay-figures';

/** Default shape `{source, target}`; under OpenGuilds-Version 2018-12-18 `{source_id, target_id}`. */
export function presentConnection(c: ConnectionEntity, version: ApiVersion) {
  const ends =
    version === 'default'
      ? { source: wireId(c.sourceTaskId), target: wireId(c.targetTaskId) }
      : { source_id: wireId(c.sourceTaskId), target_id: wireId(c.targetTaskId) };
  return { object: 'Connection' as const, id: wireId(c.id), ...ends };
}

export function presentTask(
  task: TaskEntity,
  workspace: WorkspaceEntity | undefined,
  connections: ConnectionEntity[],
  version: ApiVersion,
  extra: { open_work_count?: number } = {},
  medianSeconds: number | null = null,
) {
  return {
    object: 'Task' as const,
    id: wireId(task.id),
    guild_id: wireId(task.guildId),
    name: task.name,
    ...money('minimum_amount', task.minimumAmountCents),
    lease_seconds: task.leaseSeconds,
    // pay transparency (API.md §12.3): what the reward comes to per hour of the median work time
    ...payFigures(task.minimumAmountCents, medianSeconds),
    quality: presentQuality(task.quality),
    workspace: presentNestedWorkspace(workspace),
    connections: nestedCollection(
      version,
      `/api/tasks/${wireId(task.id)}/connections`,
      connections.map((c) => presentConnection(c, version)),
    ),
    ...extra,
    created: wireTime(task.created),
    updated: wireTime(task.updated),
  };
}
