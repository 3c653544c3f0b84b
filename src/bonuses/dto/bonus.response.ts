import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Cents, MoneyText, ObjectName, Timestamp, WireId } from '../../common/openapi/properties';
import { Transaction } from '../../ledger/dto/money.response';

/** The wire object of bonus.presenter.ts. */
export class Bonus {
  @ObjectName('Bonus') object: 'Bonus';
  @WireId() id: string;
  @WireId({ description: 'the Submission (API.md §12.1) the bonus was given for' }) submission_id: string;
  @WireId({ description: 'the member who received it' }) member_id: string;
  @WireId({ description: 'the batch of the submission' }) batch_id: string;
  @MoneyText('$0.50') amount: string;
  @Cents(50) amount_cents: number;
  @ApiProperty({ type: String, description: "the owner's reason", example: 'careful work on a hard item' }) reason: string;
  @ApiPropertyOptional({ type: () => Transaction, description: "the Guild Debit on the owner's wallet (reason `bonus`)" }) transaction?: Transaction;
  @Timestamp() created: string;
}
