import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CreateWebhookDto } from '../../webhooks/dto/webhook.dto';

/**
 * The documented shapes of the bodies BatchesService reads by hand (datum-input.ts validates
 * them, up to 100,000 data): only for the OpenAPI document.
 */
export class RailsParameter {
  @ApiProperty({ type: String, example: 'audio_url' }) key: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object', additionalProperties: true }, { type: 'array', items: {} }], description: 'any JSON value', example: 'https://example.com/a.mp3' })
  value: unknown;
}

export class RailsDatum {
  @ApiProperty({ type: () => [RailsParameter] }) parameters_attributes: RailsParameter[];
}

export class NewBatch {
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: "one object of parameters per datum; each carries the guild's input_parameters",
    example: [{ audio_url: 'https://example.com/a.mp3' }, { audio_url: 'https://example.com/b.mp3' }],
  })
  data?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ type: () => [CreateWebhookDto], description: 'called once when the batch is completed' })
  webhooks?: CreateWebhookDto[];

  @ApiPropertyOptional({ type: () => [RailsDatum], description: 'the Rails nested-attributes form of `data` (the Ruby client)' })
  data_attributes?: RailsDatum[];

  @ApiPropertyOptional({ type: () => [CreateWebhookDto], description: 'the Rails nested-attributes form of `webhooks`' })
  webhooks_attributes?: CreateWebhookDto[];
}

export class CreateBatchBody {
  @ApiProperty({ type: () => NewBatch }) batch: NewBatch;
}

export class AddDataBody {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'several data at once; without `data` the body itself is one datum\'s parameters',
    example: [{ audio_url: 'https://example.com/c.mp3' }],
  })
  data: Array<Record<string, unknown>>;
}
