import { ApiProperty } from '@nestjs/swagger';
import { Cents, ListOf, MoneyText, ObjectName, Parameters, WireId } from '../../common/openapi/properties';

/** The wire objects of result.presenter.ts (API.md §13). */
export class ResultAnswer {
  @WireId({ example: '31' }) submission_id: string;
  @WireId({ example: '9' }) member_id: string;
  @ApiProperty({ type: String, nullable: true, description: "the value of the task's `answer` parameter", example: 'cat' }) value: string | null;
  @ApiProperty({ type: String, enum: ['pending', 'approved', 'rejected'], example: 'approved' }) status: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'claim to submit', example: 41 }) seconds: number | null;
  @Parameters({ description: 'what this answer submitted', example: { label: 'cat' } }) parameters: Record<string, unknown>;
}

export class Result {
  @ObjectName('Result') object: 'Result';
  @WireId({ description: "this datum's work at this task; the starting_after cursor", example: '77' }) id: string;
  @WireId({ example: '4' }) datum_id: string;
  @WireId() task_id: string;
  @ApiProperty({ type: String, nullable: true, description: 'the aggregate; null until the task is done with the datum', example: 'cat' }) answer: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.97 }) confidence: number | null;
  @ApiProperty({ type: String, nullable: true, enum: ['majority', 'dawid_skene', null], example: 'dawid_skene' }) method: string | null;
  @ApiProperty({ type: 'integer', description: 'approved answers', example: 3 }) answers_count: number;
  @ApiProperty({ type: () => [ResultAnswer] }) answers: ResultAnswer[];
  @Parameters({ example: { image_url: 'https://example.com/cat.png', label: 'cat', label_confidence: 0.97 } }) parameters: Record<string, unknown>;
}

/** The `data` of a `progress` event and of the batch.progress webhook. */
export class BatchProgress {
  @ObjectName('BatchProgress') object: 'BatchProgress';
  @WireId() batch_id: string;
  @ApiProperty({ type: String, enum: ['unpaid', 'processing', 'completed', 'canceled'], example: 'processing' }) status: string;
  @ApiProperty({ type: 'integer', example: 2 }) data_count: number;
  @ApiProperty({ type: 'integer', example: 1 }) data_completed_count: number;
  @ApiProperty({ type: Number, example: 50 }) progress: number;
  @ApiProperty({ type: 'integer', example: 3 }) answers_count: number;
  @MoneyText('$6.00') spent: string;
  @Cents(600) spent_cents: number;
}

export const ResultList = ListOf(Result, '/api/batches/1/results');
