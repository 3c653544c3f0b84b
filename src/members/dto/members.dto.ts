import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';

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
