import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyEntity, UserEntity } from './auth.entities';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';
import { ApiKeyBasicStrategy, ApiKeyBearerStrategy, CallerLookupInstaller } from './strategies';

@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([UserEntity, ApiKeyEntity])],
  controllers: [AuthController, SessionsController],
  providers: [AuthService, SessionsService, ApiKeyBasicStrategy, ApiKeyBearerStrategy, CallerLookupInstaller],
  exports: [AuthService],
})
export class AuthModule {}
