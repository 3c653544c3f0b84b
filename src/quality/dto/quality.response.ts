import { ApiProperty } from '@nestjs/swagger';
import { DeletedOf, ListOf, ObjectName, Parameters, Timestamp, WireId } from '../../common/openapi/properties';
import { AGGREGATIONS, AUTO_REJECT, REVIEW_MODES } from '../settings/quality-settings';

/** The wire objects of presentQuality (quality-settings.ts) and gold.presenter.ts. */
export class QualityOverlap {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 20, example: 1 }) min: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 20, example: 5 }) max: number;
  @ApiProperty({ type: Number, minimum: 0.5, maximum: 0.999, example: 0.95 }) confidence: number;
}

export class QualityQualification {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 50, example: 5 }) gold: number;
  @ApiProperty({ type: Number, minimum: 0, maximum: 1, example: 0.8 }) min_accuracy: number;
}

export class QualityReview {
  @ApiProperty({ enum: [...REVIEW_MODES], example: 'auto' }) mode: (typeof REVIEW_MODES)[number];
  @ApiProperty({ type: 'integer', description: 'seconds after submit', example: 259200 }) auto_approve_after: number;
}

/** A task's `quality` settings (API.md §11), with every default filled in. */
export class Quality {
  @ApiProperty({ type: String, nullable: true, description: 'the submitted parameter that is combined', example: 'label' }) answer: string | null;
  @ApiProperty({ type: [String], nullable: true, example: ['cat', 'dog', 'other'] }) labels: string[] | null;
  @ApiProperty({ type: () => QualityOverlap }) overlap: QualityOverlap;
  @ApiProperty({ enum: [...AGGREGATIONS], example: 'dawid_skene' }) aggregation: (typeof AGGREGATIONS)[number];
  @ApiProperty({ type: Number, minimum: 0, maximum: 0.5, example: 0.1 }) gold_rate: number;
  @ApiProperty({ type: () => QualityQualification }) qualification: QualityQualification;
  @ApiProperty({ type: Number, nullable: true, example: 0.7 }) min_quality: number | null;
  @ApiProperty({ type: () => QualityReview }) review: QualityReview;
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...AUTO_REJECT] }, example: ['gold_mismatch'] }) auto_reject: Array<
    (typeof AUTO_REJECT)[number]
  >;
}

export class Gold {
  @ObjectName('Gold') object: 'Gold';
  @WireId() id: string;
  @WireId() task_id: string;
  @Parameters({ example: { image_url: 'https://example.com/cat.png' } }) parameters: Record<string, unknown>;
  @ApiProperty({ type: String, example: 'cat' }) answer: string;
  @ApiProperty({ type: 'integer', example: 0 }) answers_count: number;
  @ApiProperty({ type: Number, nullable: true, description: 'share of right answers; null until answered', example: null }) accuracy: number | null;
  @Timestamp() created: string;
}

export const GoldList = ListOf(Gold, '/api/tasks/1/gold');
export const DeletedGold = DeletedOf('Gold');

/** A member's figures at a task (API.md §11.4), GET /api/tasks/:id/workers. */
export class WorkerSkill {
  @ObjectName('WorkerSkill') object: 'WorkerSkill';
  @WireId({ description: 'the member id' }) id: string;
  @WireId() member_id: string;
  @ApiProperty({ type: 'integer', description: 'answers given at the task, control answers included', example: 12 }) answers: number;
  @ApiProperty({ type: 'integer', description: 'control (gold) answers given', example: 5 }) gold_answers: number;
  @ApiProperty({ type: 'integer', description: 'control answers that were right', example: 4 }) gold_right: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      "estimated share of right answers: the Dawid–Skene model's once it has fitted the member (dawid_skene), else right/answered on gold; null without either",
    example: 0.8,
  })
  accuracy: number | null;
  @ApiProperty({ type: Boolean, description: 'passed the qualification (true when none is asked); false while testing or after failing', example: true })
  qualified: boolean;
  @ApiProperty({ type: Boolean, description: 'blocked in the guild (§12.4)', example: false }) blocked: boolean;
  @ApiProperty({ type: 'integer', nullable: true, description: 'median seconds from claim to submit of approved answers', example: 41 })
  median_seconds: number | null;
}

export const WorkerSkillList = ListOf(WorkerSkill, '/api/tasks/1/workers');
