import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsISO8601, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination';

export class MemberListQuery extends PageQuery {
  @ApiPropertyOptional({ type: Boolean, description: 'true: only members blocked now (§12.4); false: only members not blocked' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'blocked must be true or false' })
  blocked?: boolean;
}

export class BlockMemberDto {
  @ApiProperty({ description: 'why the member is blocked (shown to the member), 1-2,000 characters', example: 'answers copied from another worker' })
  @IsString()
  @Length(1, 2000)
  reason: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'when the block ends by itself (ISO-8601, in the future); absent or null: until unblocked',
    example: '2026-12-31T00:00:00.000Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO-8601 date-time' })
  until?: string | null;
}

export class FindMemberQuery {
  @ApiProperty({ example: 'worker@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;
}

export class CreateInviteDto {
  @ApiProperty({ example: 'worker@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;
}

export class AcceptInviteQuery {
  @ApiPropertyOptional({ description: 'the token from the mailed link (for a user whose account email differs or who registered later)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  token?: string;
}
