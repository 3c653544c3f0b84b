import { ApiProperty } from '@nestjs/swagger';
import { Cents, ListOf, MoneyText, ObjectName, Parameters, Timestamp, WireId } from '../../common/openapi/properties';

export class AssignmentDatum {
  @ObjectName('Datum') object: 'Datum';
  @WireId({ example: '4' }) id: string;
  @Parameters() parameters: Record<string, unknown>;
}

/** The wire object of assignment.presenter.ts. */
export class Assignment {
  @ObjectName('Assignment') object: 'Assignment';
  @WireId({ example: '17' }) id: string;
  @WireId() task_id: string;
  @ApiProperty({ enum: ['claimed', 'submitted', 'released', 'expired'], example: 'claimed', description: 'expired as soon as a claimed lease has lapsed' })
  status: 'claimed' | 'submitted' | 'released' | 'expired';
  @ApiProperty({ type: () => AssignmentDatum }) datum: AssignmentDatum;
  @MoneyText('$5.00', 'what the worker earns for it') reward: string;
  @Cents(500) reward_cents: number;
  @Timestamp({ description: 'when the lease lapses' }) expires: string;
  @ApiProperty({
    type: String,
    description: 'where the workspace posts its form (carries the token when given to the worker)',
    example: 'http://localhost:3000/api/assignments/17/submit?token=ogs_…',
  })
  submit_to: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "the task's workspace with workerId, assignmentId and submitTo; null without a workspace",
    example: 'https://preview.interface.com?workerId=9&assignmentId=17&submitTo=…',
  })
  workspace_url: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^[1-9][0-9]*$',
    example: '31',
    description: 'its Submission once submitted (API.md §12.1); null before',
  })
  submission_id: string | null;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export const AssignmentList = ListOf(Assignment, '/api/assignments');
