import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../auth/caller';
import { digestsEqual, generateSecret, sha256 } from '../auth/credentials';
import { conflict, notFound } from '../common/errors';
import { Page } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/config';
import { inTransaction } from '../database/transaction';
import { GuildAccess } from '../guilds/guild-access.service';
import { QueueJob, QueueService } from '../queue/queue.service';
import { InviteMailer } from './invite-mailer';
import { InviteEntity } from './invite.entity';
import { MemberView } from './members.presenter';
import { MembersService } from './members.service';
import {
  hasPendingInvite,
  insertInvite,
  isActiveMemberByEmail,
  lockInvite,
  markInviteAccepted,
  markInviteSent,
  saveInvite,
  setInviteToken,
  upsertActiveMember,
} from './members.repository';
import { isUniqueViolation } from '../database/pg-errors';

export const INVITE_MAIL_TASK = 'invite-mail';

@Injectable()
export class InvitesService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly access: GuildAccess,
    private readonly members: MembersService,
    private readonly queue: QueueService,
    private readonly mailer: InviteMailer,
  ) {}

  onModuleInit(): void {
    this.queue.define<{ invite_id: string }>(INVITE_MAIL_TASK, (job) => this.sendMail(job));
  }

  /**
   * Invites an email address to the guild (owner only). 409 when that address is already an
   * active member or already has a pending invite. The mail goes out from a background job.
   */
  async create(caller: Caller, guildId: string, rawEmail: string): Promise<InviteEntity> {
    const email = rawEmail.trim();
    try {
      return await inTransaction(this.db, async (em) => {
        const guild = await this.access.ownerOnly(caller, guildId, em);
        if (await isActiveMemberByEmail(em, guild.id, email)) throw conflict(`${email} is already a member of this guild`);
        if (await hasPendingInvite(em, guild.id, email)) throw conflict(`${email} already has a pending invite to this guild`);
        // The real token is made by the mail job (so it is never stored, not even in the job);
        // until then the hash is of a secret nobody knows.
        const invite = await insertInvite(em, {
          guildId: guild.id,
          email,
          tokenHash: sha256(generateSecret('inv')),
          status: 'sending',
          invitedBy: caller.userId,
        });
        await this.queue.add(em, INVITE_MAIL_TASK, { invite_id: String(invite.id) }, { maxAttempts: 10 });
        return invite;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'invites_pending_key')) {
        throw conflict(`${email} already has a pending invite to this guild`);
      }
      throw err;
    }
  }

  async list(caller: Caller, guildId: string, page: Page): Promise<InviteEntity[]> {
    await this.access.ownerOnly(caller, guildId);
    return this.db.getRepository(InviteEntity).find({ where: { guildId }, order: { id: 'DESC' }, skip: page.offset, take: page.limit + 1 });
  }

  /** Pending invites addressed to the caller's email, with the guild's name. */
  async mine(caller: Caller, page: Page): Promise<Array<{ invite: InviteEntity; guildName: string }>> {
    const rows = await this.db
      .getRepository(InviteEntity)
      .createQueryBuilder('i')
      .innerJoin('guilds', 'g', 'g.id = i.guild_id')
      .addSelect('g.name', 'guild_name')
      .where('lower(i.email) = lower(:email)', { email: caller.email })
      .andWhere("i.status IN ('sending', 'sent')")
      .orderBy('i.id', 'DESC')
      .offset(page.offset)
      .limit(page.limit + 1)
      .getRawAndEntities();
    return rows.entities.map((invite, i) => ({ invite, guildName: (rows.raw[i] as { guild_name: string }).guild_name }));
  }

  /**
   * Accepts an invite for the caller: allowed when the caller's email is the invited one, or with
   * the mailed token. Creates the membership (or re-activates a removed one). 404 for anyone
   * else and for revoked invites; 409 when already accepted.
   */
  accept(caller: Caller, id: string, token: string | undefined): Promise<MemberView> {
    return inTransaction(this.db, async (em) => {
      const invite = await lockInvite(em, id);
      if (!invite) throw notFound('Invite', id);
      const emailMatches = invite.email.toLowerCase() === caller.email.toLowerCase();
      const tokenMatches = token !== undefined && token !== '' && digestsEqual(sha256(token), invite.token_hash);
      if (!emailMatches && !tokenMatches) throw notFound('Invite', id);
      if (invite.status === 'revoked') throw notFound('Invite', id);
      if (invite.status === 'accepted') throw conflict('This invite has already been accepted');
      const memberId = await upsertActiveMember(em, invite.guild_id, caller.userId);
      await markInviteAccepted(em, invite.id, memberId);
      return (await this.members.view(memberId, em))!;
    });
  }

  /** Withdraws a pending invite (owner only); its link stops working. */
  revoke(caller: Caller, id: string): Promise<InviteEntity> {
    return inTransaction(this.db, async (em) => {
      const invite = await em.findOne(InviteEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!invite) throw notFound('Invite', id);
      try {
        await this.access.visibleGuild(caller, invite.guildId, em);
      } catch {
        throw notFound('Invite', id);
      }
      await this.access.ownerOnly(caller, invite.guildId, em);
      if (invite.status === 'accepted') throw conflict('This invite has already been accepted');
      if (invite.status === 'revoked') throw notFound('Invite', id);
      invite.status = 'revoked';
      return saveInvite(em, invite);
    });
  }

  /**
   * The mail job: makes the token (stored only hashed), sends the link, marks the invite `sent`.
   * A retry makes a fresh token, so only the link of the mail that went out last works.
   */
  private async sendMail(job: QueueJob<{ invite_id: string }>): Promise<void> {
    const token = generateSecret('inv');
    const invite = await setInviteToken(this.db.manager, job.payload.invite_id, sha256(token));
    if (!invite) return; // accepted or revoked before the mail went out
    const link = `${this.config.publicUrl}/api/invites/${invite.id}/accept?token=${encodeURIComponent(token)}`;
    await this.mailer.send({ to: invite.email, guildName: invite.guild_name, link });
    await markInviteSent(this.db.manager, invite.id);
  }
}
