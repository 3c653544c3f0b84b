import { Body, Controller, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { presentUser } from './auth.presenter';
import { Public } from './caller';
import { CreateSessionDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('Accounts')
@Controller('api')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** A new API key for email + password (201, the User with api_key, as registration); 401 on wrong credentials; 429 past 10 failures a minute. */
  @Public()
  @Post('sessions')
  async create(@Body() dto: CreateSessionDto, @Req() req: Request) {
    const { user, apiKey } = await this.sessions.signIn(dto.email, dto.password, req.ip ?? 'unknown');
    return presentUser(user, apiKey);
  }
}
