import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The documented shapes of a submit (WorkController reads the body by hand): only for the OpenAPI document. */
export class SubmitAssignmentBody {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'merged into the datum', example: { checked_by: 'worker' } })
  parameters: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, description: 'the token of submit_to, instead of an API key' })
  token?: string;
}

/** A browser form posted to submit_to: every field but the control fields becomes a parameter. */
export const SUBMIT_FORM_SCHEMA = {
  type: 'object' as const,
  description: 'a browser form: every field other than the control fields below becomes a parameter of the datum',
  properties: {
    token: { type: 'string' as const, description: 'the token of submit_to (or in the query string)' },
    assignmentId: { type: 'string' as const, description: 'ignored (the workspace echoes it)' },
    workerId: { type: 'string' as const, description: 'ignored (the workspace echoes it)' },
    return_to: { type: 'string' as const, description: 'an http(s) URL: answer with a 303 to it instead of a page' },
  },
  additionalProperties: { type: 'string' as const },
};
