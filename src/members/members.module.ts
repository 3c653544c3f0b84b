import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GuildsModule } from '../guilds/guilds.module';
import { TasksModule } from '../tasks/tasks.module';
import { ClaimEndingsModule } from '../work/claim-endings';
import { InviteMailer } from './invite-mailer';
import { InviteEntity } from './invite.entity';
import { MemberEntity } from './member.entity';
import { InvitesController, MembersController, SubscriptionsController } from './members.controller';
import { InvitesService } from './invites.service';
import { MembersService } from './members.service';
import { SubscriptionsService } from './subscriptions.service';

@Module({
  imports: [TypeOrmModule.forFeature([MemberEntity, InviteEntity]), GuildsModule, TasksModule, ClaimEndingsModule],
  controllers: [MembersController, InvitesController, SubscriptionsController],
  providers: [MembersService, InvitesService, SubscriptionsService, InviteMailer],
  exports: [MembersService],
})
export class MembersModule {}
