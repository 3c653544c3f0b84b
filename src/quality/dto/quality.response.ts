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
  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...AUTO_REJECT] }, example: ['gold_mismatch'] }) auto_reject: Array<(typeof AUTO_REJECT)[number]>;
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
