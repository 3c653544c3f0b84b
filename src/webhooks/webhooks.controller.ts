import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { IdParam } from '../common/ids';
import { PageQuery, pageOf, toPage } from '../common/pagination';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook.dto';
import { presentAttempt, presentDelivery, presentWebhook } from './webhook.presenter';
import { WebhooksService } from './webhooks.service';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { DeletedWebhook, Webhook, WebhookAttemptList, WebhookDelivery, WebhookList } from './dto/webhook.response';

@ApiTags('Webhooks')
@Controller('api')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @ApiDoc({
    id: 'createWebhook',
    summary: 'Add a webhook to a batch',
    description: 'Called once when the batch is completed, signed with the secret (Standard Webhooks).',
    body: true,
    ok: { status: 201, type: Webhook, description: 'the webhook (never its secret)' },
    errors: [403, 404, 409, 422],
  })
  @Post('batches/:id/webhooks')
  async create(@CurrentCaller() caller: Caller, @Param('id', IdParam) batchId: string, @Body() dto: CreateWebhookDto) {
    return presentWebhook(await this.webhooks.create(caller, batchId, dto));
  }

  @ApiDoc({
    id: 'listBatchWebhooks',
    summary: "List a batch's webhooks",
    ok: { status: 200, type: WebhookList, description: 'the webhooks' },
    errors: [404, 422],
  })
  @Get('batches/:id/webhooks')
  async list(@CurrentCaller() caller: Caller, @Param('id', IdParam) batchId: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/batches/${batchId}/webhooks`, page, await this.webhooks.list(caller, batchId, page), presentWebhook);
  }

  @ApiDoc({ id: 'getWebhook', summary: 'Get a webhook', ok: { status: 200, type: Webhook, description: 'the webhook' }, errors: [404] })
  @Get('webhooks/:id')
  async get(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    return presentWebhook(await this.webhooks.get(caller, id));
  }

  @ApiDoc({
    id: 'updateWebhook',
    summary: "Change a webhook's events",
    description: 'Its `events` (API.md §13.4).',
    body: true,
    ok: { status: 200, type: Webhook, description: 'the webhook' },
    errors: [404, 422],
  })
  @Patch('webhooks/:id')
  async update(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: UpdateWebhookDto) {
    return presentWebhook(await this.webhooks.update(caller, id, dto));
  }

  @ApiDoc({ id: 'deleteWebhook', summary: 'Delete a webhook', ok: { status: 200, type: DeletedWebhook, description: 'deleted' }, errors: [404] })
  @Delete('webhooks/:id')
  @HttpCode(200)
  async remove(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const w = await this.webhooks.remove(caller, id);
    return { object: 'Webhook' as const, id: String(w.id), deleted: true };
  }

  @ApiDoc({
    id: 'listWebhookDeliveries',
    summary: "List a webhook's delivery attempts",
    description: 'Newest first: status code, duration, error, next attempt.',
    ok: { status: 200, type: WebhookAttemptList, description: 'the attempts' },
    errors: [404, 422],
  })
  @Get('webhooks/:id/deliveries')
  async deliveries(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Query() q: PageQuery) {
    const page = toPage(q);
    return pageOf(`/api/webhooks/${id}/deliveries`, page, await this.webhooks.attempts(caller, id, page), presentAttempt);
  }

  /** 202 with the queued (or already pending) WebhookDelivery. */
  @ApiDoc({
    id: 'redeliverWebhook',
    summary: 'Send the latest event again',
    ok: { status: 202, type: WebhookDelivery, description: 'the queued (or already pending) delivery' },
    errors: [404, 409],
  })
  @Post('webhooks/:id/redeliver')
  @HttpCode(202)
  async redeliver(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string) {
    const { delivery } = await this.webhooks.redeliver(caller, id);
    return presentDelivery(delivery);
  }
}
