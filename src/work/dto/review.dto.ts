import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { CursorPageQuery } from '../../common/pagination';
import { Cents, ListOf, MoneyText, ObjectName, Parameters, Timestamp, WireId } from '../../common/openapi/properties';
import { IsWireId } from '../../common/id-validator';
import { REJECT_REASONS } from '../review.repository';

export const SUBMISSION_STATUS_VALUES = ['pending', 'approved', 'rejected'];

export class SubmissionListQuery extends CursorPageQuery {
  @ApiPropertyOptional({ enum: SUBMISSION_STATUS_VALUES })
  @IsOptional()
  @IsIn(SUBMISSION_STATUS_VALUES)
  status?: string;
}

export class RejectSubmissionDto {
  @ApiProperty({ enum: REJECT_REASONS, example: 'incorrect' })
  @IsIn(REJECT_REASONS)
  reason: string;

  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'The label does not match the image: it shows a dog.', description: 'shown to the member' })
  @IsString()
  @Length(1, 2000)
  message: string;
}

export class ReviewMessageDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'The image is ambiguous; please look again.' })
  @IsString()
  @Length(1, 2000)
  message: string;
}

export class BulkApproveDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 1000, example: ['31', '32'], description: 'submission ids of this task (at most 1,000)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsWireId({ each: true })
  ids: string[];
}

export class SubmissionAppeal {
  @ApiProperty({ enum: ['open', 'approved', 'upheld'] }) status: string;
  @ApiProperty({ type: String, description: "the member's message" }) message: string;
  @Timestamp() created: string;
  @ApiProperty({ type: String, nullable: true, description: "the owner's message when upholding" }) reply: string | null;
  @Timestamp({ nullable: true, description: 'when the owner decided' }) decided: string | null;
}

/** The wire object of submissions.service.ts presentSubmission (API.md §12.1). */
export class Submission {
  @ObjectName('Submission') object: 'Submission';
  @WireId({ example: '31' }) id: string;
  @WireId({ example: '17' }) assignment_id: string;
  @WireId() task_id: string;
  @WireId({ example: '4' }) datum_id: string;
  @WireId({ example: '9' }) member_id: string;
  @Parameters({ example: { label: 'cat' } }) parameters: Record<string, unknown>;
  @ApiProperty({ enum: SUBMISSION_STATUS_VALUES, example: 'pending' }) status: string;
  @MoneyText('$0.05') reward: string;
  @Cents(5) reward_cents: number;
  @Timestamp({ nullable: true, description: 'when a pending submission is approved by the server; null otherwise' }) auto_approve_at: string | null;
  @ApiProperty({ type: String, nullable: true, enum: [...REJECT_REASONS, 'gold_mismatch', 'consensus'] }) reject_reason: string | null;
  @ApiProperty({ type: String, nullable: true }) reject_message: string | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'gold_mismatch: gold id, expected and given answer; consensus: aggregate, confidence, answers; manual: the message',
    example: { aggregate: 'cat', confidence: 0.97, answers: 3 },
  })
  evidence: Record<string, unknown> | null;
  @ApiProperty({ type: () => SubmissionAppeal, nullable: true }) appeal: SubmissionAppeal | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 41, description: 'claim to submit' }) seconds: number | null;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export const SubmissionList = ListOf(Submission, '/api/tasks/1/submissions');

export class BulkApprovalOutcome {
  @ObjectName('ApprovalOutcome') object: 'ApprovalOutcome';
  @WireId({ example: '31' }) id: string;
  @ApiProperty({ type: 'integer', example: 200, description: '200 approved; otherwise the status the single approval would have answered' }) status: number;
  @ApiPropertyOptional({ type: String, example: 'Conflict' }) type?: string;
  @ApiPropertyOptional({ type: String, example: 'Submission 32 is approved; only a pending submission can be approved or rejected' }) error?: string;
}

export const BulkApprovalOutcomeList = ListOf(BulkApprovalOutcome, '/api/tasks/1/submissions/approve');
