import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches/batches.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { LeaseSweeper } from './lease-sweeper';
import { WorkController } from './work.controller';
import { WorkService } from './work.service';

@Module({
  imports: [BatchesModule, TransactionsModule],
  controllers: [WorkController],
  providers: [WorkService, LeaseSweeper],
})
export class WorkModule {}
