import { ApiProperty } from '@nestjs/swagger';
import { Cents, ListOf, MoneyText, ObjectName, Timestamp, WireId } from '../../common/openapi/properties';

/** The wire object of guilds.presenter.ts. */
export class Guild {
  @ObjectName('Guild') object: 'Guild';
  @WireId() id: string;
  @ApiProperty({ type: String, example: 'Audio Transcription' }) name: string;
  @ApiProperty({ type: String, example: 'audio in, text out' }) description: string;
  @ApiProperty({ type: [String], description: 'keys every datum of a batch must carry', example: ['audio_url'] }) input_parameters: string[];
  @MoneyText('$6.00', 'what one datum costs through the whole pipeline') price_per_datum: string;
  @Cents(600) price_per_datum_cents: number;
  @MoneyText('$6.00', 'the same figure, under the name the Ruby client reads') price_floor: string;
  @Cents(600) price_floor_cents: number;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export const GuildList = ListOf(Guild, '/api/guilds');
