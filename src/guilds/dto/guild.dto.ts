import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validation';
import { PageQuery } from '../../common/pagination';

const PARAM = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export class CreateGuildDto {
  @ApiProperty({ example: 'Audio Transcription' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'Takes an audio file and returns a text transcription' })
  @IsString()
  @MaxLength(5000)
  description: string;

  @ApiPropertyOptional({ type: [String], example: ['audio_url'], description: 'keys every datum of a batch must carry' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  @Matches(PARAM, { each: true, message: 'each value must be a parameter name (letters, digits, _ . -)' })
  input_parameters?: string[];
}

export class UpdateGuildDto {
  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ type: [String] })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  @Matches(PARAM, { each: true, message: 'each value must be a parameter name (letters, digits, _ . -)' })
  input_parameters?: string[];
}

export class GuildListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['owner', 'member'], default: 'owner', description: 'owner: guilds I own; member: guilds I work in' })
  @IsOptional()
  @IsIn(['owner', 'member'])
  role?: 'owner' | 'member';
}
