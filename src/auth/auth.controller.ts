import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { IdParam } from '../common/ids';
import { presentApiKey, presentUser } from './auth.presenter';
import { AuthService } from './auth.service';
import { Caller, CurrentCaller, Public } from './caller';
import { CreateApiKeyDto, RegisterDto } from './dto/auth.dto';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { ApiKey, ApiKeyList, DeletedApiKey, User } from './dto/auth.response';

@ApiTags('Accounts')
@Controller('api')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @ApiDoc({
    id: 'register',
    summary: 'Register a user',
    description: 'Creates a user and its first API key, shown only in this answer. A duplicate email is a 422.',
    auth: 'public',
    body: true,
    ok: { status: 201, type: User, description: 'the new user, with `api_key`' },
    errors: [422],
  })
  @Post('register')
  async register(@Body() dto: RegisterDto) {
    const { user, apiKey } = await this.auth.register(dto.email, dto.password, dto.password_confirmation);
    return presentUser(user, apiKey);
  }

  @ApiDoc({ id: 'getMe', summary: 'The caller', ok: { status: 200, type: User, description: 'the user the API key belongs to' } })
  @Get('me')
  async me(@CurrentCaller() caller: Caller) {
    return presentUser(await this.auth.user(caller));
  }

  /** The older name of GET /api/me (the Ruby client's). */
  @ApiDoc({
    id: 'authenticateUser',
    summary: 'The caller (older name of GET /api/me)',
    ok: { status: 200, type: User, description: 'the user the API key belongs to' },
  })
  @Get('users/authenticate')
  authenticate(@CurrentCaller() caller: Caller) {
    return this.me(caller);
  }

  @ApiDoc({
    id: 'listApiKeys',
    summary: "List the caller's API keys",
    ok: { status: 200, type: ApiKeyList, description: 'the keys (never their secrets)' },
    errors: [422],
  })
  @Get('api_keys')
  async listKeys(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/api_keys', page, await this.auth.listKeys(caller, page), (k) => presentApiKey(k));
  }

  @ApiDoc({
    id: 'createApiKey',
    summary: 'Create an API key',
    description: 'The secret is in this answer only.',
    body: true,
    ok: { status: 201, type: ApiKey, description: 'the key, with `api_key` (the secret)' },
    errors: [422],
  })
  @Post('api_keys')
  async createKey(@CurrentCaller() caller: Caller, @Body() dto: CreateApiKeyDto) {
    const { key, secret } = await this.auth.createKey(caller, dto.name);
    return presentApiKey(key, secret);
  }

  @ApiDoc({ id: 'deleteApiKey', summary: 'Delete an API key', ok: { status: 200, type: DeletedApiKey, description: 'deleted' }, errors: [404] })
  @Delete('api_keys/:id')
  @HttpCode(200)
  async deleteKey(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const key = await this.auth.deleteKey(caller, id);
    return { object: 'ApiKey', id: String(key.id), deleted: true };
  }
}
