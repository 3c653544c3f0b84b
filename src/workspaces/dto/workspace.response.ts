import { ApiProperty } from '@nestjs/swagger';
import { ListOf, ObjectName, Timestamp, WireId } from '../../common/openapi/properties';

/** The wire object of workspaces.presenter.ts. */
export class Workspace {
  @ObjectName('Workspace') object: 'Workspace';
  @WireId() id: string;
  @ApiProperty({ type: String, example: 'Transcription UI' }) name: string;
  @ApiProperty({ type: String, example: 'https://preview.interface.com' }) preview: string;
  @ApiProperty({ enum: ['open', 'closed'], example: 'open' }) permissions: 'open' | 'closed';
  @Timestamp() created: string;
  @Timestamp() updated: string;
}

/** The workspace as nested in a Task (API.md §4). */
export class NestedWorkspace {
  @ApiProperty({ type: String, example: 'Transcription UI' }) name: string;
  @ApiProperty({ type: String, description: 'path of the Workspace (no leading slash, as the old API had it)', example: 'api/workspaces/1' }) link: string;
  @ApiProperty({ type: String, example: 'https://preview.interface.com' }) preview: string;
  @ApiProperty({ enum: ['open', 'closed'], example: 'open' }) permissions: 'open' | 'closed';
}

export const WorkspaceList = ListOf(Workspace, '/api/workspaces');
