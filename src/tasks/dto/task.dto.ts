import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { OptionalNotNull } from '../../common/validation';
import { IsWireId } from '../../common/id-validator';

const MAX_CENTS = 100_000_000; // $1,000,000 per datum per task: far above any real price, far below overflow
const MAX_LEASE = 7 * 24 * 3600;

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
}

export class CreateConnectionDto {
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'integer' }], example: '1', description: 'id of the upstream task' })
  @IsWireId()
  source: string | number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'integer' }], example: '2', description: 'id of the downstream task' })
  @IsWireId()
  target: string | number;
}
