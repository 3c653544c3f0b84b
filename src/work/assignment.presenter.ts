import { money, toCents } from '../common/money';
import { wireId, wireTime } from '../common/wire';
import { AssignmentView } from './rows';

/** `status` is `expired` as soon as a claimed lease has lapsed, even before anyone tidies the row. */
export function presentAssignment(a: AssignmentView, publicUrl: string, token?: string) {
  const id = wireId(a.id);
  const submitTo = `${publicUrl}/api/assignments/${id}/submit${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const workspaceUrl = a.preview
    ? `${a.preview}${a.preview.includes('?') ? '&' : '?'}workerId=${wireId(a.member_id)}&assignmentId=${id}&submitTo=${encodeURIComponent(submitTo)}`
    : null;
  return {
    object: 'Assignment' as const,
    id,
    task_id: wireId(a.task_id),
    status: a.status === 'claimed' && a.lapsed ? 'expired' : a.status,
    datum: { object: 'Datum' as const, id: wireId(a.datum_id), parameters: a.parameters },
    ...money('reward', toCents(a.reward_cents)),
    expires: wireTime(a.expires),
    submit_to: submitTo,
    workspace_url: workspaceUrl,
    submission_id: a.submission_id ? wireId(a.submission_id) : null,
    created: wireTime(a.created),
    updated: wireTime(a.updated),
  };
}
