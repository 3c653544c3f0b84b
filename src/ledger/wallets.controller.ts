import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
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
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { PaymentMethod, PaymentMethodList, Payout, PayoutList, TransactionList, Wallet, WalletList } from './dto/money.response';

@ApiTags('Wallets')
@Controller('api')
export class WalletsController {
  constructor(
    private readonly wallets: WalletsService,
    private readonly payouts: PayoutsService,
    private readonly cards: CardService,
  ) {}

  @ApiDoc({
    id: 'listWallets',
    summary: "List the caller's wallets",
    description: 'One wallet per guild the caller owns or works in, each with its latest transactions (newest first).',
    versioned: true,
    ok: { status: 200, type: WalletList, description: 'the wallets' },
    errors: [422],
  })
  @Get('wallets')
  async list(@CurrentCaller() caller: Caller, @Query() q: PageQuery, @WireVersion() version: ApiVersion) {
    const page = toPage(q);
    return pageOf('/api/wallets', page, await this.wallets.list(caller, page), (w) => presentWallet(w, version));
  }

  @ApiDoc({
    id: 'getWallet',
    summary: 'Get a wallet',
    description: 'Alias `/api/wallet/{id}`.',
    versioned: true,
    ok: { status: 200, type: Wallet, description: 'the wallet' },
    errors: [404],
  })
  @Get('wallets/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @WireVersion() version: ApiVersion) {
    return presentWallet(await this.wallets.get(caller, id), version);
  }

  @ApiDoc({
    id: 'listWalletTransactions',
    summary: "List a wallet's transactions",
    description: 'Newest first.',
    ok: { status: 200, type: TransactionList, description: 'the transactions' },
    errors: [404, 422],
  })
  @Get('wallets/:id/transactions')
  async transactions(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: CursorPageQuery) {
    const page = toCursorPage(q);
    return pageOf(`/api/wallets/${id}/transactions`, page, await this.wallets.transactions(caller, id, page), presentTransaction);
  }

  @ApiDoc({
    id: 'requestPayout',
    summary: 'Ask for a payout',
    description: 'A member asks to take money out of their wallet; the guild owner approves or declines it.',
    body: true,
    idempotent: true,
    ok: { status: 201, type: Payout, description: 'the payout, status `requested`' },
    errors: [404, 409, 422],
  })
  @Post('wallets/:id/payouts')
  @Idempotent()
  async requestPayout(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: CreatePayoutDto) {
    return presentPayout(await this.payouts.request(caller, id, dto.amount_cents));
  }

  @ApiDoc({
    id: 'approvePayout',
    summary: 'Approve a payout',
    description: "Guild owner only: a Fiat Debit from the member's wallet.",
    idempotent: true,
    ok: { status: 200, type: Payout, description: 'the payout, status `approved`' },
    errors: [403, 404, 409, 422],
  })
  @Post('payouts/:id/approve')
  @HttpCode(200)
  @Idempotent()
  async approve(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentPayout(await this.payouts.approve(caller, id));
  }

  @ApiDoc({
    id: 'declinePayout',
    summary: 'Decline a payout',
    description: 'Guild owner only.',
    idempotent: true,
    ok: { status: 200, type: Payout, description: 'the payout, status `declined`' },
    errors: [403, 404, 409, 422],
  })
  @Post('payouts/:id/decline')
  @HttpCode(200)
  @Idempotent()
  async decline(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentPayout(await this.payouts.decline(caller, id));
  }

  @ApiDoc({
    id: 'listGuildPayouts',
    summary: "List a guild's payouts",
    description: 'Owner only.',
    ok: { status: 200, type: PayoutList, description: 'newest first' },
    errors: [403, 404, 422],
  })
  @Get('guilds/:gid/payouts')
  async guildPayouts(@CurrentCaller() caller: Caller, @Param('gid', IdParam) gid: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/guilds/${gid}/payouts`, page, await this.payouts.listForGuild(caller, gid, page), presentPayout);
  }

  @ApiDoc({
    id: 'addPaymentMethod',
    summary: 'Add a card',
    description: "Attaches a card (a Stripe token such as `tok_visa` in test mode) to the caller's Stripe customer, created on first use.",
    body: true,
    ok: { status: 201, type: PaymentMethod, description: 'the card (brand, last4, expiry only)' },
    errors: [402, 409, 422],
  })
  @Post('payment_methods')
  async addCard(@CurrentCaller() caller: Caller, @Body() dto: CreatePaymentMethodDto) {
    return presentPaymentMethod(await this.cards.attachCard(caller.userId, dto.source));
  }

  @ApiDoc({
    id: 'listPaymentMethods',
    summary: "List the caller's cards",
    ok: { status: 200, type: PaymentMethodList, description: 'the cards' },
    errors: [422],
  })
  @Get('payment_methods')
  async cardsList(@CurrentCaller() caller: Caller, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf('/api/payment_methods', page, await this.cards.listCards(caller.userId, page), presentPaymentMethod);
  }
}
