import { wireId, wireTime } from '../common/wire';
import { DatumRow, SubmissionRow } from './rows';

export function presentDatum(d: DatumRow) {
  return {
    object: 'Datum' as const,
    id: wireId(d.id),
    batch_id: wireId(d.batch_id),
    status: d.status,
    parameters: d.parameters,
    created: wireTime(d.created),
    updated: wireTime(d.updated),
  };
}

/** One entry of GET /api/data/:id/history: what one worker's submission added to the datum. */
export function presentSubmission(s: SubmissionRow) {
  return {
    object: 'Submission' as const,
    id: wireId(s.id),
    datum_id: wireId(s.datum_id),
    task_id: wireId(s.task_id),
    member_id: wireId(s.member_id),
    assignment_id: wireId(s.assignment_id),
    parameters: s.parameters,
    created: wireTime(s.created),
  };
}
