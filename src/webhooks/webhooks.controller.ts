import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook.dto';
import { presentAttempt, presentDelivery, presentWebhook } from './webhook.presenter';
import { WebhooksService } from './webhooks.service';

@ApiTags('Webhooks')
@ApiBasicAuth()
@ApiBearerAuth()
@Controller('api')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('batches/:id/webhooks')
  async create(@CurrentCaller() caller: Caller, @Param('id', IdParam) batchId: string, @Body() dto: CreateWebhookDto) {
    return presentWebhook(await this.webhooks.create(caller, batchId, dto));
  }

  @Get('batches/:id/webhooks')
  async list(@CurrentCaller() caller: Caller, @Param('id', IdParam) batchId: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/batches/${batchId}/webhooks`, page, await this.webhooks.list(caller, batchId, page), presentWebhook);
  }

  @Get('webhooks/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentWebhook(await this.webhooks.get(caller, id));
  }

  @Patch('webhooks/:id')
  async update(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: UpdateWebhookDto) {
    return presentWebhook(await this.webhooks.update(caller, id, dto));
  }

  @Delete('webhooks/:id')
  @HttpCode(200)
  async remove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const w = await this.webhooks.remove(caller, id);
    return { object: 'Webhook' as const, id: String(w.id), deleted: true };
  }

  @Get('webhooks/:id/deliveries')
  async deliveries(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/webhooks/${id}/deliveries`, page, await this.webhooks.attempts(caller, id, page), presentAttempt);
  }

  /** 202 with the queued (or already pending) WebhookDelivery. */
  @Post('webhooks/:id/redeliver')
  @HttpCode(202)
  async redeliver(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const { delivery } = await this.webhooks.redeliver(caller, id);
    return presentDelivery(delivery);
  }
}
