import { ApiProperty } from '@nestjs/swagger';
import { WEBHOOK_EVENTS } from '../events';
import { DeletedOf, ListOf, ObjectName, Timestamp, WireId } from '../../common/openapi/properties';

const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'];

/** The wire objects of webhook.presenter.ts. The secret is never part of them. */
export class Webhook {
  @ObjectName('Webhook') object: 'Webhook';
  @WireId() id: string;
  @ApiProperty({ type: String, example: 'https://your.service.com/hooks' }) destination: string;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENTS] }, description: 'the event types it receives', example: ['batch.completed'] })
  events: string[];
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class WebhookDelivery {
  @ObjectName('WebhookDelivery') object: 'WebhookDelivery';
  @WireId() id: string;
  @WireId() webhook_id: string;
  @ApiProperty({ type: String, description: 'the webhook-id header: the same on every attempt of the event', example: 'msg_2b7f1c0e9d8a4f6b' }) event_id: string;
  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'pending' }) status: 'pending' | 'succeeded' | 'failed';
  @ApiProperty({ type: 'integer', example: 0 }) attempt_count: number;
  @Timestamp({ nullable: true }) next_attempt: string | null;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class WebhookAttempt {
  @ObjectName('WebhookAttempt') object: 'WebhookAttempt';
  @WireId() id: string;
  @WireId() delivery_id: string;
  @ApiProperty({ type: String, example: 'msg_2b7f1c0e9d8a4f6b' }) event_id: string;
  @ApiProperty({ type: String, enum: [...WEBHOOK_EVENTS], example: 'batch.completed' }) event_type: string;
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 }) attempt: number;
  @ApiProperty({ type: Boolean, example: false }) succeeded: boolean;
  @ApiProperty({ type: 'integer', nullable: true, description: "the receiver's HTTP status; null when no answer came", example: null }) status_code: number | null;
  @ApiProperty({ type: 'integer', example: 12 }) duration_ms: number;
  @ApiProperty({ type: String, nullable: true, example: 'ENOTFOUND: getaddrinfo ENOTFOUND your.service.com' }) error: string | null;
  @Timestamp({ nullable: true, description: 'when the next attempt is due; null when none is' }) next_attempt: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES, example: 'pending' }) delivery_status: 'pending' | 'succeeded' | 'failed';
  @Timestamp() created: string;
}

export const WebhookList = ListOf(Webhook, '/api/batches/1/webhooks');
export const WebhookAttemptList = ListOf(WebhookAttempt, '/api/webhooks/1/deliveries');
export const DeletedWebhook = DeletedOf('Webhook');
