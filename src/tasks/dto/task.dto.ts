import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { OptionalNotNull } from '../../common/validation';
import { IsWireId } from '../../common/id-validator';

const MAX_CENTS = 100_000_000; // $1,000,000 per datum per task: far above any real price, far below overflow
const MAX_LEASE = 7 * 24 * 3600;

/** Parsed and checked by parseQualitySettings (src/quality/settings), which names every bad field. */
const QUALITY_DOC = {
  type: 'object',
  nullable: true,
  additionalProperties: true,
  description:
    'API.md §11: answer, labels, overlap {min,max,confidence}, aggregation, gold_rate, qualification {gold,min_accuracy}, min_quality, ' +
    'review {mode,auto_approve_after}, auto_reject. Stored and validated; overlap, gold serving, qualification and review take effect ' +
    'with the quality integration (docs/quality-and-scale.md). On PATCH the object replaces the whole previous one; null removes it.',
  example: { answer: 'label', labels: ['cat', 'dog', 'other'], overlap: { min: 1, max: 5, confidence: 0.95 }, gold_rate: 0.1 },
} as const;

export class CreateTaskDto {
  @ApiProperty({ example: 'Transcribe' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 500, minimum: 0, description: 'what one datum costs at this task and what the worker earns, in cents' })
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
  minimum_amount_cents: number;

  @ApiPropertyOptional({ oneOf: [{ type: 'string' }, { type: 'integer' }], example: '1' })
  @IsOptional()
  @IsWireId()
  workspace_id?: string | number;

  @ApiPropertyOptional({ default: 1800, minimum: 1, maximum: MAX_LEASE, description: 'how long a claim holds the work, in seconds' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_LEASE)
  lease_seconds?: number;

  @ApiPropertyOptional(QUALITY_DOC)
  @IsOptional()
  quality?: unknown;
}

export class UpdateTaskDto {
  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ minimum: 0 })
  @OptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
  minimum_amount_cents?: number;

  @ApiPropertyOptional({ oneOf: [{ type: 'string', nullable: true }, { type: 'integer' }], description: 'null removes the workspace' })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsWireId()
  workspace_id?: string | number | null;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LEASE })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_LEASE)
  lease_seconds?: number;

  @ApiPropertyOptional(QUALITY_DOC)
  @IsOptional()
  quality?: unknown;
}

export class CreateConnectionDto {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'integer' }], example: '1', description: 'id of the upstream task' })
  @IsWireId()
  source: string | number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'integer' }], example: '2', description: 'id of the downstream task' })
  @IsWireId()
  target: string | number;
}
