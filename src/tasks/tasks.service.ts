import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { Caller } from '../auth/caller';
import { conflict, invalid, notFound } from '../common/errors';
import { Page } from '../common/pagination';
import { checkedCost } from '../common/money';
import { inTransaction } from '../database/transaction';
import { parseQualitySettings } from '../quality/settings/quality-settings';
import { GuildAccess, GuildRole } from '../guilds/guild-access.service';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ConnectionEntity } from './connection.entity';
import { CreateConnectionDto, CreateTaskDto, UpdateTaskDto } from './dto/task.dto';
import { TaskEntity } from './task.entity';
import { deleteConnection, insertConnection, insertTask, medianSubmitSeconds, saveTask, unpaidCostInputs } from './tasks.repository';
import { PAY_FIGURES_WINDOW } from './pay-figures';

/** What a Task needs to be rendered: its workspace and its inbound and outbound connections. */
export interface TaskView {
  task: TaskEntity;
  workspace: WorkspaceEntity | undefined;
  connections: ConnectionEntity[];
  /** median seconds from claim to submit of recent approved answers (API.md §12.3), null without any */
  medianSeconds: number | null;
}

@Injectable()
export class TasksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: GuildAccess,
    private readonly workspaces: WorkspacesService,
  ) {}

  create(caller: Caller, guildId: string, dto: CreateTaskDto): Promise<TaskEntity> {
    const quality = dto.quality === undefined || dto.quality === null ? null : parseQualitySettings(dto.quality);
    return inTransaction(this.db, async (em) => {
      const guild = await this.access.ownerOnly(caller, guildId, em);
      const workspace = dto.workspace_id === undefined ? undefined : await this.workspaces.usableBy(guild.ownerId, String(dto.workspace_id), em);
      await this.checkUnpaidCosts(em, guild.id, dto.minimum_amount_cents);
      return insertTask(em, {
        guildId: guild.id,
        name: dto.name.trim(),
        minimumAmountCents: dto.minimum_amount_cents,
        workspaceId: workspace?.id ?? null,
        leaseSeconds: dto.lease_seconds ?? 1800,
        quality,
      });
    });
  }

  /**
   * A price change reprices the guild's unpaid batches (their cost is data × price until paid):
   * refuse one that would push any of them past 2^53 − 1 cents (issue 13).
   */
  private async checkUnpaidCosts(em: EntityManager, guildId: string, priceDeltaCents: number): Promise<void> {
    if (priceDeltaCents <= 0) return;
    const r = await unpaidCostInputs(em, guildId);
    checkedCost(Number(r.n), Number(r.price) + priceDeltaCents, 'minimum_amount_cents');
  }

  async list(caller: Caller, guildId: string, page: Page): Promise<TaskEntity[]> {
    await this.access.visibleGuild(caller, guildId);
    return this.db.getRepository(TaskEntity).find({ where: { guildId }, order: { id: 'DESC' }, skip: page.offset, take: page.limit + 1 });
  }

  /** A task of a guild the caller owns or works in; `guildId` (nested route) must match. */
  async get(caller: Caller, id: string, guildId?: string, em?: EntityManager): Promise<{ task: TaskEntity; role: GuildRole }> {
    const task = await (em ?? this.db.manager).findOneBy(TaskEntity, { id });
    if (!task || (guildId !== undefined && String(task.guildId) !== String(guildId))) throw notFound('Task', id);
    try {
      const { role } = await this.access.visibleGuild(caller, task.guildId, em);
      return { task, role };
    } catch {
      throw notFound('Task', id);
    }
  }

  update(caller: Caller, id: string, dto: UpdateTaskDto): Promise<TaskEntity> {
    // PATCH replaces the whole quality object (§11.6); null removes it
    const quality = dto.quality === undefined ? undefined : dto.quality === null ? null : parseQualitySettings(dto.quality);
    return inTransaction(this.db, async (em) => {
      const { task } = await this.get(caller, id, undefined, em);
      const guild = await this.access.ownerOnly(caller, task.guildId, em);
      if (dto.name !== undefined) task.name = dto.name.trim();
      if (dto.minimum_amount_cents !== undefined) {
        await this.checkUnpaidCosts(em, task.guildId, dto.minimum_amount_cents - task.minimumAmountCents);
        task.minimumAmountCents = dto.minimum_amount_cents;
      }
      if (dto.lease_seconds !== undefined) task.leaseSeconds = dto.lease_seconds;
      if (quality !== undefined) task.quality = quality;
      if (dto.workspace_id === null) task.workspaceId = null;
      else if (dto.workspace_id !== undefined) task.workspaceId = (await this.workspaces.usableBy(guild.ownerId, String(dto.workspace_id), em)).id;
      return saveTask(em, task);
    });
  }

  /**
   * Joins two tasks of the guild. Pipeline edits of one guild are serialised by a lock on the
   * guild row, so two concurrent connections cannot together make a cycle.
   */
  connect(caller: Caller, guildId: string, dto: CreateConnectionDto): Promise<ConnectionEntity> {
    return inTransaction(this.db, async (em) => {
      const guild = await this.access.ownerOnly(caller, guildId, em);
      await this.access.lock(guild.id, em);
      const source = String(dto.source);
      const target = String(dto.target);
      const found = await em.find(TaskEntity, { where: { guildId: guild.id, id: In([source, target]) } });
      const ids = new Set(found.map((t) => String(t.id)));
      const details = [];
      if (!ids.has(source)) details.push({ field: 'source', message: `is not a task of guild ${guild.id}` });
      if (!ids.has(target)) details.push({ field: 'target', message: `is not a task of guild ${guild.id}` });
      if (details.length) throw invalid(`${details[0].field} ${details[0].message}`, details);
      if (source === target) {
        throw invalid(`A connection from task ${source} to itself would make a cycle`, [
          { field: 'target', message: 'would make a cycle: a task cannot feed itself' },
        ]);
      }
      const existing = await em.find(ConnectionEntity, { where: { guildId: guild.id } });
      if (existing.some((c) => String(c.sourceTaskId) === source && String(c.targetTaskId) === target)) {
        throw conflict(`Task ${source} is already connected to task ${target}`);
      }
      const path = findPath(existing, target, source);
      if (path) {
        const cycle = [source, ...path].join(' → ');
        throw invalid(`A connection from task ${source} to task ${target} would make a cycle: ${cycle}`, [
          { field: 'target', message: `would make a cycle: ${cycle}` },
        ]);
      }
      return insertConnection(em, guild.id, source, target);
    });
  }

  disconnect(caller: Caller, id: string): Promise<ConnectionEntity> {
    return inTransaction(this.db, async (em) => {
      const conn = await em.findOneBy(ConnectionEntity, { id });
      if (!conn) throw notFound('Connection', id);
      try {
        await this.access.visibleGuild(caller, conn.guildId, em);
      } catch {
        throw notFound('Connection', id);
      }
      await this.access.ownerOnly(caller, conn.guildId, em);
      await this.access.lock(conn.guildId, em);
      await deleteConnection(em, conn.id);
      return conn;
    });
  }

  /** Workspaces and connections of the given tasks, loaded in two queries. */
  async views(tasks: TaskEntity[]): Promise<TaskView[]> {
    if (tasks.length === 0) return [];
    const taskIds = tasks.map((t) => String(t.id));
    const wsIds = [
      ...new Set(
        tasks
          .map((t) => t.workspaceId)
          .filter((v): v is string => v !== null)
          .map(String),
      ),
    ];
    const [workspaces, connections, medians] = await Promise.all([
      wsIds.length ? this.db.getRepository(WorkspaceEntity).findBy({ id: In(wsIds) }) : Promise.resolve([]),
      this.db
        .getRepository(ConnectionEntity)
        .createQueryBuilder('c')
        .where('c.source_task_id IN (:...ids) OR c.target_task_id IN (:...ids)', { ids: taskIds })
        .orderBy('c.id', 'ASC')
        .getMany(),
      medianSubmitSeconds(this.db.manager, taskIds, PAY_FIGURES_WINDOW),
    ]);
    const wsById = new Map(workspaces.map((w) => [String(w.id), w]));
    return tasks.map((task) => ({
      task,
      workspace: task.workspaceId === null ? undefined : wsById.get(String(task.workspaceId)),
      connections: connections.filter((c) => String(c.sourceTaskId) === String(task.id) || String(c.targetTaskId) === String(task.id)),
      medianSeconds: medians.get(String(task.id)) ?? null,
    }));
  }

  async view(task: TaskEntity): Promise<TaskView> {
    return (await this.views([task]))[0];
  }
}

/** A path from `from` to `to` along the connections (as task ids, both ends included), or undefined. */
function findPath(connections: ConnectionEntity[], from: string, to: string): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const c of connections) {
    const s = String(c.sourceTaskId);
    next.set(s, [...(next.get(s) ?? []), String(c.targetTaskId)]);
  }
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const node = queue.shift()!;
    if (node === to) {
      const path: string[] = [];
      for (let n: string | null = node; n !== null; n = parent.get(n) ?? null) path.unshift(n);
      return path;
    }
    for (const n of next.get(node) ?? []) {
      if (!parent.has(n)) {
        parent.set(n, node);
        queue.push(n);
      }
    }
  }
  return undefined;
}
