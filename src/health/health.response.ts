import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The answers of /health and /ready (terminus' report), for the OpenAPI document. */
export class Liveness {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status: 'ok';
}

const REPORT = { type: 'object', additionalProperties: { type: 'object', additionalProperties: true }, example: { database: { status: 'up' }, migrations: { status: 'up' } } } as const;

export class Readiness {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' }) status: 'ok' | 'error' | 'shutting_down';
  @ApiPropertyOptional({ ...REPORT, description: 'the dependencies that are up' }) info?: Record<string, unknown>;
  @ApiPropertyOptional({ ...REPORT, description: 'the dependencies that are down', example: {} }) error?: Record<string, unknown>;
  @ApiProperty({ ...REPORT, description: 'every dependency' }) details: Record<string, unknown>;
}
