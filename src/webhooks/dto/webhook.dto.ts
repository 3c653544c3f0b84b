import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsOptional, IsString } from 'class-validator';
import { WEBHOOK_EVENTS } from '../events';

/** Types only; the URL, address and length rules are WebhooksService.validateDestinations'. */
export class CreateWebhookDto {
  @ApiProperty({ example: 'https://your.service.com/hooks/openguilds', description: 'http(s) URL; private, loopback and link-local addresses are refused' })
  @IsString()
  destination: string;

  @ApiProperty({ example: 'secret123', description: 'HMAC key (its UTF-8 bytes) of the Standard Webhooks signature; never returned', writeOnly: true })
  @IsString()
  secret: string;

  @ApiPropertyOptional({
    type: [String],
    enum: WEBHOOK_EVENTS,
    default: ['batch.completed'],
    description: 'event types it receives; checked by the service (422 at events[j])',
  })
  @IsOptional()
  events?: unknown;
}

/** PATCH /api/webhooks/:id: the event types (API.md §13.4). */
export class UpdateWebhookDto {
  @ApiProperty({ type: [String], enum: WEBHOOK_EVENTS, example: ['batch.completed', 'datum.completed'] })
  @Allow()
  events: unknown;
}
