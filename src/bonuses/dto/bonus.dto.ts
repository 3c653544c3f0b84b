import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

/** Bounds of a bonus (docs/bonuses-and-blocks.md). */
export const BONUS_MIN_CENTS = 1;
export const BONUS_MAX_CENTS = 100_000;

export class CreateBonusDto {
  @ApiProperty({ type: 'integer', minimum: BONUS_MIN_CENTS, maximum: BONUS_MAX_CENTS, example: 50, description: 'cents, 1 to 100,000 ($1,000.00)' })
  @IsInt()
  @Min(BONUS_MIN_CENTS)
  @Max(BONUS_MAX_CENTS)
  amount_cents: number;

  @ApiProperty({ description: 'why (shown to the member), 1-2,000 characters', example: 'careful work on a hard item' })
  @IsString()
  @Length(1, 2000)
  reason: string;
}
