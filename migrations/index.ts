import { Accounts1732400000000 } from './1732400000000-Accounts';
import { Marketplace1732400001000 } from './1732400001000-Marketplace';
import { CardChargeSource1732400040000 } from './1732400040000-CardChargeSource';
import { SharedRateLimits1732500500000 } from './1732500500000-SharedRateLimits';
import { Issue131732500100000 } from './1732500100000-Issue13';
import { QueueOnGraphileWorker1732500300000 } from './1732500300000-QueueOnGraphileWorker';
import { ResultsAndEvents1732500600000 } from './1732500600000-ResultsAndEvents';
import { Quality1732500700000 } from './1732500700000-Quality';
import { ResultAnswersStreaming1732500830000 } from './1732500830000-ResultAnswersStreaming';
import { QueueProcesses1732500850000 } from './1732500850000-QueueProcesses';
import { AnswerSlots1732500900000 } from './1732500900000-AnswerSlots';
import { LedgerAccountShards1732500950000 } from './1732500950000-LedgerAccountShards';
import { GoldServing1732501100000 } from './1732501100000-GoldServing';
import { BonusesAndBlocks1732501400000 } from './1732501400000-BonusesAndBlocks';
import { BatchShardProgress1732501500000 } from './1732501500000-BatchShardProgress';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works compiled,
 * under ts-jest and in the benchmarks. Add new files at the end; never edit a landed one.
 */
export const ALL_MIGRATIONS = [
  Accounts1732400000000,
  Marketplace1732400001000,
  CardChargeSource1732400040000,
  Issue131732500100000,
  QueueOnGraphileWorker1732500300000,
  SharedRateLimits1732500500000,
  ResultsAndEvents1732500600000,
  Quality1732500700000,
  ResultAnswersStreaming1732500830000,
  QueueProcesses1732500850000,
  AnswerSlots1732500900000,
  LedgerAccountShards1732500950000,
  GoldServing1732501100000,
  BonusesAndBlocks1732501400000,
  BatchShardProgress1732501500000,
];
