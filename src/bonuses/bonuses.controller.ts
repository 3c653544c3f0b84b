import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { Idempotent } from '../common/idempotency';
import { IdParam } from '../common/ids';
import { ApiDoc } from '../common/openapi/api-doc.decorator';
import { presentBonus } from './bonus.presenter';
import { Bonus } from './dto/bonus.response';
import { CreateBonusDto } from './dto/bonus.dto';
import { GiveBonus } from './give-bonus.usecase';

@ApiTags('Bonuses')
@Controller('api')
export class BonusesController {
  constructor(private readonly giveBonus: GiveBonus) {}

  @ApiDoc({
    id: 'createBonus',
    summary: 'Give a bonus for a submission',
    description:
      "Owner only (API.md §12.4). A Guild Debit from the owner's wallet in the guild and a Guild Credit to the member's wallet " +
      "(Transactions with reason `bonus` and the submission's batch); a shortfall is charged to the owner's card first, as paying " +
      'a batch does. Honours Idempotency-Key: the same key twice gives one bonus. `:id` is the submission id (docs/bonuses-and-blocks.md).',
    body: true,
    idempotent: true,
    ok: { status: 201, type: Bonus, description: 'the bonus, with the Transaction on the owner’s wallet' },
    errors: [402, 403, 404, 409, 422],
  })
  @Post('submissions/:id/bonuses')
  @Idempotent()
  async create(@CurrentCaller() caller: Caller, @Param('id', IdParam) id: string, @Body() dto: CreateBonusDto) {
    const { bonus, entry } = await this.giveBonus.run(caller, id, dto.amount_cents, dto.reason);
    return presentBonus(bonus, entry);
  }
}
