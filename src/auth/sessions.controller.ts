import { Body, Controller, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { presentUser } from './auth.presenter';
import { User } from './dto/auth.response';
import { Public } from './caller';
import { CreateSessionDto } from './dto/session.dto';
import { SessionsService } from './sessions.service';

@ApiTags('Accounts')
@Controller('api')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** A new API key for email + password (201, the User with api_key, as registration); 401 on wrong credentials; 429 past 10 failures a minute. */
  @Public()
  @ApiDoc({
    id: 'createSession',
    summary: 'Sign in with email and password: a new API key',
    description:
      'The way back for a user who lost their key. Wrong email or password: 401 (the same answer for both). After 10 failures in a minute per email+address or per address: 429 with Retry-After. A user holds at most 50 keys: 409 until one is deleted.',
    auth: 'public',
    body: true,
    ok: { status: 201, type: User, description: 'the user, with a new `api_key`' },
    errors: [401, 409, 422],
  })
  @Post('sessions')
  async create(@Body() dto: CreateSessionDto, @Req() req: Request) {
    const { user, apiKey } = await this.sessions.signIn(dto.email, dto.password, req.ip ?? 'unknown');
    return presentUser(user, apiKey);
  }
}
