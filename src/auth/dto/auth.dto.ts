import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @MinLength(8)
  @MaxLength(200)
  password: string;

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  password_confirmation: string;
}

export class CreateApiKeyDto {
  @ApiPropertyOptional({ example: 'ci server' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;
}
