import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CursorPageQuery, PageQuery } from '../../common/pagination';
import { BATCH_STATUSES, BatchStatus, DATUM_STATUSES, DatumStatus } from '../rows';

export class BatchListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: BATCH_STATUSES })
  @IsOptional()
  @IsIn(BATCH_STATUSES)
  status?: BatchStatus;
}

export class DataListQuery extends CursorPageQuery {
  @ApiPropertyOptional({ enum: DATUM_STATUSES })
  @IsOptional()
  @IsIn(DATUM_STATUSES)
  status?: DatumStatus;
}
