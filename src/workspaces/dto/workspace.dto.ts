import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Audio Transcription Interface' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'https://preview.interface.com', description: 'https URL (http only for loopback outside production)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  preview: string;

  @ApiProperty({ enum: ['open', 'closed'] })
  @IsIn(['open', 'closed'])
  permissions: 'open' | 'closed';
}
