import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import multer from 'multer';
import { APP_CONFIG, AppConfig } from '../config/config';
import { GuildsModule } from '../guilds/guilds.module';
import { TasksModule } from '../tasks/tasks.module';
import { LedgerModule } from '../ledger/ledger.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ClaimEndingsModule } from '../work/claim-endings';
import { BatchesController } from './batches.controller';
import { BatchesService } from './batches.service';
import { CancelBatch } from './cancel-batch.usecase';
import { PayBatch } from './pay-batch.usecase';
import { createFileStorage, FILE_STORAGE } from './file-storage';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';

@Module({
  imports: [
    LedgerModule,
    GuildsModule,
    TasksModule,
    WebhooksModule,
    ClaimEndingsModule,
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      // in memory: the bytes are hashed before they are stored, and the limit bounds the buffer
      useFactory: (config: AppConfig) => ({ storage: multer.memoryStorage(), limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 100 } }),
    }),
  ],
  controllers: [BatchesController, FilesController],
  providers: [
    BatchesService,
    PayBatch,
    CancelBatch,
    FilesService,
    { provide: FILE_STORAGE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createFileStorage(config.fileStorage) },
  ],
  exports: [BatchesService],
})
export class BatchesModule {}
