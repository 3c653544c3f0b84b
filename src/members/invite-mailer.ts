import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LOGGER, Logger } from '../logging/logger';

export interface InviteMail {
  to: string;
  guildName: string;
  link: string;
}

/** Sends invite mails over SMTP (SMTP_URL), or logs the accept link when no SMTP is configured. */
@Injectable()
export class InviteMailer implements OnModuleDestroy {
  private transport: Transporter | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async send(mail: InviteMail): Promise<void> {
    if (!this.config.smtpUrl) {
      // The development stand-in for a mail: the link is the whole point, so it is logged on purpose.
      this.logger.info({ to: mail.to, guild: mail.guildName, invite_link: mail.link }, 'invite mail (no SMTP_URL set; link logged instead)');
      return;
    }
    this.transport ??= createTransport(this.config.smtpUrl);
    await this.transport.sendMail({
      from: this.config.mailFrom,
      to: mail.to,
      subject: `You are invited to join ${mail.guildName} on OpenGuilds`,
      text:
        `You have been invited to work in the guild "${mail.guildName}" on OpenGuilds.\n\n` +
        `Open this link to accept the invitation (the page signs you in, or creates your account):\n${mail.link}\n\n` +
        `With the API: curl -X POST -u YOUR_API_KEY: "${mail.link}"\n`,
    });
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
