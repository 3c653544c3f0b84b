import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DeletedOf, ListOf, ObjectName, Timestamp, WireId } from '../../common/openapi/properties';

/** Wire objects of auth.presenter.ts, for the OpenAPI document. */
export class User {
  @ObjectName('User') object: 'User';
  @WireId() id: string;
  @ApiProperty({ type: String, format: 'email', example: 'owner@example.com' }) email: string;
  @ApiPropertyOptional({ type: String, description: 'the new API key: only in the answer of POST /api/register, shown once', example: 'og_3nLr0mV8k2Qx7YtWb9sHc1DfJa5ZpUe4' })
  api_key?: string;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class ApiKey {
  @ObjectName('ApiKey') object: 'ApiKey';
  @WireId() id: string;
  @ApiProperty({ type: String, nullable: true, example: 'ci server' }) name: string | null;
  @ApiProperty({ type: String, description: 'the last characters of the key, to tell keys apart', example: '…pUe4' }) key_hint: string;
  @ApiPropertyOptional({ type: String, description: 'the secret: only in the answer that created the key, shown once', example: 'og_3nLr0mV8k2Qx7YtWb9sHc1DfJa5ZpUe4' })
  api_key?: string;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export const ApiKeyList = ListOf(ApiKey, '/api/api_keys');
export const DeletedApiKey = DeletedOf('ApiKey');
