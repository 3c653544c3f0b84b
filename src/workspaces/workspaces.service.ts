import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { DataSource, EntityManager } from 'typeorm';
import { Caller } from '../auth/caller';
import { invalidField, notFound } from '../common/errors';
import { Page } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/config';
import { inTransaction } from '../database/transaction';
import { CreateWorkspaceDto } from './dto/workspace.dto';
import { WorkspaceEntity } from './workspace.entity';
import { insertWorkspace } from './workspaces.repository';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

@Injectable()
export class WorkspacesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  create(caller: Caller, dto: CreateWorkspaceDto): Promise<WorkspaceEntity> {
    const preview = this.checkPreview(dto.preview.trim());
    return inTransaction(this.db, (em) => insertWorkspace(em, { ownerId: caller.userId, name: dto.name.trim(), preview, permissions: dto.permissions }));
  }

  /** Mine plus every open one, newest first. */
  list(caller: Caller, page: Page): Promise<WorkspaceEntity[]> {
    return this.db
      .getRepository(WorkspaceEntity)
      .createQueryBuilder('w')
      .where("w.owner_id = :uid OR w.permissions = 'open'", { uid: caller.userId })
      .orderBy('w.id', 'DESC')
      .offset(page.offset)
      .limit(page.limit + 1)
      .getMany();
  }

  async get(caller: Caller, id: string): Promise<WorkspaceEntity> {
    const w = await this.db.getRepository(WorkspaceEntity).findOneBy({ id });
    if (!w || (w.permissions !== 'open' && w.ownerId !== caller.userId)) throw notFound('Workspace', id);
    return w;
  }

  /**
   * The workspace a task of `guildOwnerId`'s guild may use: open ones, or closed ones created by
   * the guild's owner. Anything else (unknown, or another user's closed one) is the same 422.
   */
  async usableBy(guildOwnerId: string, id: string, em: EntityManager, field = 'workspace_id'): Promise<WorkspaceEntity> {
    const w = await em.findOneBy(WorkspaceEntity, { id: String(id) });
    if (!w || (w.permissions === 'closed' && w.ownerId !== guildOwnerId)) {
      throw invalidField(field, 'is not a workspace this guild may use (it must exist and be open, or be a closed workspace of the guild owner)');
    }
    return w;
  }

  /** https only; http for loopback hosts outside production. */
  private checkPreview(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalidField('preview', 'must be an https URL');
    }
    if (url.protocol === 'https:') return raw;
    if (url.protocol === 'http:' && this.config.mode !== 'production' && isLoopbackHost(url.hostname)) return raw;
    throw invalidField(
      'preview',
      this.config.mode === 'production' ? 'must be an https URL' : 'must be an https URL (http is allowed only for loopback hosts)',
    );
  }
}
