import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Cents, DeletedOf, ListOf, MoneyText, ObjectName, Timestamp, WireId } from '../../common/openapi/properties';
import { Quality } from '../../quality/dto/quality.response';
import { NestedWorkspace } from '../../workspaces/dto/workspace.response';

/** The wire objects of tasks.presenter.ts. */
export class Connection {
  @ObjectName('Connection') object: 'Connection';
  @WireId() id: string;
  @WireId({ description: 'the upstream task (`source_id` under OpenGuilds-Version 2018-12-18)', example: '1' }) source: string;
  @WireId({ description: 'the downstream task (`target_id` under OpenGuilds-Version 2018-12-18)', example: '2' }) target: string;
}

export class Task {
  @ObjectName('Task') object: 'Task';
  @WireId() id: string;
  @WireId() guild_id: string;
  @ApiProperty({ type: String, example: 'Transcribe' }) name: string;
  @MoneyText('$5.00', 'what one datum costs at this task and what the worker who does it earns') minimum_amount: string;
  @Cents(500) minimum_amount_cents: number;
  @ApiProperty({ type: 'integer', description: 'how long a claim holds the work', example: 1800 }) lease_seconds: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'API.md §12.3: the median whole seconds from claim to submit over the most recent 200 approved answers at the task; null before the first',
    example: 41,
  })
  median_seconds: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^-?\\$[0-9]{1,3}(,[0-9]{3})*\\.[0-9]{2}$',
    description: 'the reward per hour of median work time (reward × 3600 / median_seconds, whole cents); null without a median',
    example: '$4.39',
  })
  effective_hourly: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'effective_hourly in cents', example: 439 }) effective_hourly_cents: number | null;
  @ApiProperty({ type: () => Quality, nullable: true, description: 'API.md §11; null: one answer per datum, approved at once' }) quality: Quality | null;
  @ApiProperty({ type: () => NestedWorkspace, nullable: true }) workspace: NestedWorkspace | null;
  @ApiProperty({ type: () => [Connection], description: 'inbound and outbound connections (a List under OpenGuilds-Version 2018-12-18)' })
  connections: Connection[];
  @ApiPropertyOptional({ type: 'integer', description: 'GET /api/me/tasks only: pieces of work open at the task', example: 2 }) open_work_count?: number;
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

export const TaskList = ListOf(Task, '/api/guilds/1/tasks');
export const ConnectionList = ListOf(Connection, '/api/tasks/1/connections');
export const DeletedConnection = DeletedOf('Connection');
