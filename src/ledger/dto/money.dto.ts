import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';

export class CreatePaymentMethodDto {
  @ApiProperty({ example: 'tok_visa', description: 'a Stripe card token (or source id); it is sent to Stripe and never stored or logged' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  source: string;
}

export class CreatePayoutDto {
  @ApiProperty({ example: 500, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount_cents: number;
}
