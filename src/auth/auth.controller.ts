import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { IdParam } from '../common/ids';
import { presentApiKey, presentUser } from './auth.presenter';
import { AuthService } from './auth.service';
import { Caller, CurrentCaller, Public } from './caller';
import { CreateApiKeyDto, RegisterDto } from './dto/auth.dto';

@ApiTags('Accounts')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  async register(@Body() dto: RegisterDto) {
    const { user, apiKey } = await this.auth.register(dto.email, dto.password, dto.password_confirmation);
    return presentUser(user, apiKey);
  }

  @Get(['me', 'users/authenticate'])
  async me(@CurrentCaller() caller: Caller) {
    return presentUser(await this.auth.user(caller));
  }

  @Get('api_keys')
  async listKeys(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/api_keys', page, await this.auth.listKeys(caller, page), (k) => presentApiKey(k));
  }

  @Post('api_keys')
  async createKey(@CurrentCaller() caller: Caller, @Body() dto: CreateApiKeyDto) {
    const { key, secret } = await this.auth.createKey(caller, dto.name);
    return presentApiKey(key, secret);
  }

  @Delete('api_keys/:id')
  @HttpCode(200)
  async deleteKey(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const key = await this.auth.deleteKey(caller, id);
    return { object: 'ApiKey', id: String(key.id), deleted: true };
  }
}
