import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Cents, ListOf, MoneyText, ObjectName, Parameters, Timestamp, WireId, WireIdOrNull } from '../../common/openapi/properties';
import { Webhook } from '../../webhooks/dto/webhook.response';

const STATUSES = ['unpaid', 'processing', 'completed', 'canceled'];

/** The wire objects of batch.presenter.ts, datum.presenter.ts and files.service.ts. */
export class Datum {
  @ObjectName('Datum') object: 'Datum';
  @WireId({ example: '4' }) id: string;
  @WireId() batch_id: string;
  @ApiProperty({ enum: STATUSES, example: 'processing' }) status: 'unpaid' | 'processing' | 'completed' | 'canceled';
  @Parameters({ description: 'what the requester sent, plus the keys each worker submitted; {} once the batch is canceled' })
  parameters: Record<string, unknown>;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class Batch {
  @ObjectName('Batch') object: 'Batch';
  @WireId() id: string;
  @WireId() guild_id: string;
  @ApiProperty({ type: 'integer', example: 2 }) data_count: number;
  @ApiProperty({ type: 'integer', example: 0 }) data_completed_count: number;
  @ApiProperty({ type: Number, minimum: 0, maximum: 100, description: '100 × completed / count, one decimal', example: 0 }) progress: number;
  @ApiProperty({ type: Boolean, example: false }) completed: boolean;
  @ApiProperty({ enum: STATUSES, example: 'unpaid' }) status: 'unpaid' | 'processing' | 'completed' | 'canceled';
  @MoneyText('$12.00', 'data × Σ over tasks (overlap.max × reward), plus gold_cents; fixed at pay') cost: string;
  @Cents(1200) cost_cents: number;
  @MoneyText('$3.50', 'paid out of this batch to members so far (API.md §11.1)') spent: string;
  @Cents(350) spent_cents: number;
  @MoneyText('$1.00', 'given back to the requester so far: answers a datum did not need, the unused gold share, canceled work') refunded: string;
  @Cents(100) refunded_cents: number;
  @MoneyText('$0.00', 'the control-answer share of the cost (§11.2), fixed at pay') gold: string;
  @Cents(0) gold_cents: number;
  @ApiProperty({ type: () => [Datum], description: 'the first 100 data (a List under OpenGuilds-Version 2018-12-18)' }) data: Datum[];
  @ApiPropertyOptional({ type: Boolean, enum: [true], description: 'present when the batch has more than the embedded data' }) data_has_more?: true;
  @ApiPropertyOptional({ type: String, description: 'where to read all the data, when data_has_more', example: '/api/batches/1/data' }) data_url?: string;
  @ApiProperty({ type: () => [Webhook], description: 'a List under OpenGuilds-Version 2018-12-18' }) webhooks: Webhook[];
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export class CanceledBatch {
  @ObjectName('Batch') object: 'Batch';
  @WireId() id: string;
  @ApiProperty({ type: Boolean, enum: [true], example: true }) canceled: true;
}

export class DeletedDatum {
  @ObjectName('Datum') object: 'Datum';
  @WireId() id: string;
  @ApiProperty({ type: Boolean, enum: [true], example: true }) deleted: true;
}

/** One entry of GET /api/data/:id/history: what one worker's submission added to the datum. */
export class DatumHistoryEntry {
  @ObjectName('Submission') object: 'Submission';
  @WireId() id: string;
  @WireId() datum_id: string;
  @WireId() task_id: string;
  @WireId() member_id: string;
  @WireId() assignment_id: string;
  @Parameters({ description: 'the parameters this submission added', example: { checked_by: 'worker' } }) parameters: Record<string, unknown>;
  @Timestamp() created: string;
}

export class File {
  @ObjectName('File') object: 'File';
  @ApiProperty({ type: String, description: 'an opaque id', example: 'd37d5ba6c1f84a0b9e2f7a8c' }) id: string;
  @ApiProperty({ type: String, example: 'myphoto.png' }) name: string;
  @ApiProperty({ type: 'integer', example: 1752887 }) file_size: number;
  @ApiProperty({ type: String, description: 'SHA-256 of the bytes, hex', example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })
  checksum: string;
  @ApiProperty({ type: Boolean, description: 'the same owner had already stored these bytes (stored once)', example: false }) duplicate: boolean;
  @ApiProperty({ type: String, example: '/api/files/d37d5ba6c1f84a0b9e2f7a8c/myphoto.png' }) url: string;
  @WireIdOrNull({ description: 'the datum added for the file', example: '4' }) datum_id: string | null;
  @Timestamp() created: string;
}

export const BatchList = ListOf(Batch, '/api/batches');
export const DatumList = ListOf(Datum, '/api/batches/1/data');
export const DatumHistory = ListOf(DatumHistoryEntry, '/api/data/4/history');
