import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MemberEntity } from '../members/member.entity';
import { GuildAccess } from './guild-access.service';
import { GuildEntity } from './guild.entity';
import { GuildsController } from './guilds.controller';
import { GuildsService } from './guilds.service';

@Module({
  imports: [TypeOrmModule.forFeature([GuildEntity, MemberEntity])],
  controllers: [GuildsController],
  providers: [GuildsService, GuildAccess],
  exports: [GuildAccess, GuildsService],
})
export class GuildsModule {}
