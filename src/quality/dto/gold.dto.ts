import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';

/**
 * `{"data":[{"parameters":{…},"answer":"cat"}]}`. The items are checked by GoldService (the
 * parameters against the guild's input_parameters, the answer against the task's labels), which
 * names each bad field as `data[i].parameters.key` in one 422.
 */
export class CreateGoldDto {
  @ApiPropertyOptional({
    type: 'array',
    description: "control items: parameters as a datum of the guild carries them, and the right answer (one of the task's labels); 1 to 1,000 per request",
    items: {
      type: 'object',
      properties: { parameters: { type: 'object', additionalProperties: true }, answer: { type: 'string' } },
      required: ['parameters', 'answer'],
    },
    example: [{ parameters: { image_url: 'https://example.com/cat.png' }, answer: 'cat' }],
  })
  @IsOptional()
  data?: unknown;
}
