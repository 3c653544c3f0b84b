import { wireId, wireTime } from '../common/wire';
import { DatumRow, SubmissionRow } from './rows';

export function presentDatum(d: DatumRow) {
  return presentDatumWith(d, wireTime);
}

/** presentDatum with `time` rendering its timestamps (a batch passes a memo of wireTime, as its data share timestamps). */
export function presentDatumWith(d: DatumRow, time: (t: Date | string) => string) {
  return {
    object: 'Datum' as const,
    id: wireId(d.id),
    batch_id: wireId(d.batch_id),
    status: d.status,
    parameters: d.parameters,
    created: time(d.created),
    updated: time(d.updated),
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
