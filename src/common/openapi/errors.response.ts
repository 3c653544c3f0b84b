import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ErrorType } from '../errors';

const ERROR_TYPES: ErrorType[] = [
  'BadRequest',
  'Unauthorized',
  'PaymentRequired',
  'Forbidden',
  'RecordNotFound',
  'MethodNotAllowed',
  'NotAcceptable',
  'Conflict',
  'Gone',
  'PayloadTooLarge',
  'UnsupportedMediaType',
  'InvalidParameters',
  'TooManyRequests',
  'InternalError',
  'ServiceUnavailable',
];

export class ErrorDetail {
  @ApiProperty({ type: String, example: 'batch.data[3].image_url', description: 'the field, as a path into the request' })
  field: string;

  @ApiProperty({ type: String, example: 'is required' })
  message: string;
}

/** Every error of the API (API.md §1.2), rendered by ApiErrorFilter (src/common/error.filter.ts). */
export class ApiErrorBody {
  @ApiProperty({ type: String, description: 'the message (the Ruby client reads it)', example: 'param is missing or the value is empty: batch' })
  error: string;

  @ApiProperty({ enum: ERROR_TYPES, example: 'InvalidParameters' })
  type: ErrorType;

  @ApiProperty({ type: 'integer', description: 'the HTTP status, repeated', example: 422 })
  status: number;

  @ApiPropertyOptional({ type: () => [ErrorDetail], description: 'one entry per invalid field (422)' })
  details?: ErrorDetail[];

  @ApiPropertyOptional({ type: String, description: '402: why the payment failed, e.g. no_payment_method, card_declined, insufficient_balance', example: 'card_declined' })
  code?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: "402: the card processor's decline code", example: 'insufficient_funds' })
  decline_code?: string | null;
}
