import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, WireVersion } from '../auth/caller';
import { IdParam } from '../common/ids';
import { Idempotent } from '../common/idempotency';
import { CursorPageQuery, PageQuery, pageOf, toCursorPage, toPage } from '../common/pagination';
import { ApiVersion } from '../common/wire';
import { CardService } from './card.service';
import { CreatePaymentMethodDto, CreatePayoutDto } from './dto/money.dto';
import { PayoutsService } from './payouts.service';
import { presentPaymentMethod, presentPayout, presentTransaction, presentWallet } from './transaction.presenter';
import { WalletsService } from './wallets.service';

@ApiTags('Wallets')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class WalletsController {
  constructor(
    private readonly wallets: WalletsService,
    private readonly payouts: PayoutsService,
    private readonly cards: CardService,
  ) {}

  @Get('wallets')
  async list(@CurrentCaller() caller: Caller, @Query() q: PageQuery, @WireVersion() version: ApiVersion) {
    const page = toPage(q);
    return pageOf('/api/wallets', page, await this.wallets.list(caller, page), (w) => presentWallet(w, version));
  }

  @Get('wallets/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    return presentWallet(await this.wallets.get(caller, id), version);
  }

  @Get('wallets/:id/transactions')
  async transactions(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: CursorPageQuery) {
    const page = toCursorPage(q);
    return pageOf(`/api/wallets/${id}/transactions`, page, await this.wallets.transactions(caller, id, page), presentTransaction);
  }

  @Post('wallets/:id/payouts')
  @Idempotent()
  async requestPayout(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: CreatePayoutDto) {
    return presentPayout(await this.payouts.request(caller, id, dto.amount_cents));
  }

  @Post('payouts/:id/approve')
  @HttpCode(200)
  @Idempotent()
  async approve(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentPayout(await this.payouts.approve(caller, id));
  }

  @Post('payouts/:id/decline')
  @HttpCode(200)
  @Idempotent()
  async decline(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentPayout(await this.payouts.decline(caller, id));
  }

  @Get('guilds/:gid/payouts')
  async guildPayouts(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/guilds/${gid}/payouts`, page, await this.payouts.listForGuild(caller, gid, page), presentPayout);
  }

  @Post('payment_methods')
  async addCard(@CurrentCaller() caller: Caller, @Body() dto: CreatePaymentMethodDto) {
    return presentPaymentMethod(await this.cards.attachCard(caller.userId, dto.source));
  }

  @Get('payment_methods')
  async cardsList(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/payment_methods', page, await this.cards.listCards(caller.userId, page), presentPaymentMethod);
  }
}
