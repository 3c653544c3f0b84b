import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

/** Types only; the URL, address and length rules are WebhooksService.validateDestinations'. */
export class CreateWebhookDto {
  @ApiProperty({ example: 'https://your.service.com/hooks/openguilds', description: 'http(s) URL; private, loopback and link-local addresses are refused' })
  @IsString()
  destination: string;

  @ApiProperty({ example: 'secret123', description: 'HMAC key (its UTF-8 bytes) of the Standard Webhooks signature; never returned', writeOnly: true })
  @IsString()
  secret: string;
}
