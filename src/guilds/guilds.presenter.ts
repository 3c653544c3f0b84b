import { money } from '../common/money';
import { wireId, wireTime } from '../common/wire';
import { GuildEntity } from './guild.entity';

/**
 * `price_per_datum_cents` is what one datum costs through the whole pipeline: the sum of
 * minimum_amount_cents of every task (each task runs once per datum, docs/architecture.md).
 */
export function presentGuild(guild: GuildEntity, pricePerDatumCents: number) {
  return {
    object: 'Guild' as const,
    id: wireId(guild.id),
    name: guild.name,
    description: guild.description,
    input_parameters: guild.inputParameters,
    ...money('price_per_datum', pricePerDatumCents),
    created: wireTime(guild.created),
    updated: wireTime(guild.updated),
  };
}
