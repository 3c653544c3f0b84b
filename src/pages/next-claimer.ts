/** What the after-submit page's "claim next" needs of the work module: a claim on a worker's behalf. */
export abstract class NextClaimer {
  /** The new Assignment (wire shape), or undefined when no work is open at the task. Throws ApiError as a claim does. */
  abstract claimFor(userId: string, taskId: string): Promise<{ id: string; workspace_url: string | null } | undefined>;
}
