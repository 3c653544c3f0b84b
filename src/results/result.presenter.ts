import { money } from '../common/money';
import { wireId } from '../common/wire';
import { progressOf } from '../batches/batch.presenter';

export interface AnswerJson {
  submission_id: string;
  member_id: string;
  value: string | null;
  status: string;
  seconds: number | null;
  parameters: Record<string, unknown>;
}

export interface ResultRow {
  id: string;
  datum_id: string;
  task_id: string;
  answer: string | null;
  confidence: number | null;
  method: string | null;
  parameters: Record<string, unknown>;
  answers: AnswerJson[];
}

/** The Result wire object (API.md §13.1). `answers_count` counts approved answers (§11.6). */
export function presentResult(r: ResultRow) {
  return {
    object: 'Result' as const,
    id: wireId(r.id),
    datum_id: wireId(r.datum_id),
    task_id: wireId(r.task_id),
    answer: r.answer,
    confidence: r.confidence,
    method: r.method,
    answers_count: r.answers.filter((a) => a.status === 'approved').length,
    answers: r.answers.map((a) => ({
      submission_id: a.submission_id,
      member_id: a.member_id,
      value: a.value,
      status: a.status,
      seconds: a.seconds,
      parameters: a.parameters,
    })),
    parameters: r.parameters,
  };
}

export interface AnswerRow {
  result_id: string;
  datum_id: string;
  task_id: string;
  submission_id: string;
  member_id: string;
  value: string | null;
  status: string;
  seconds: number | null;
}

/** One answer of an answers=true export (API.md §13.2). */
export function presentAnswer(a: AnswerRow) {
  return {
    object: 'Answer' as const,
    result_id: wireId(a.result_id),
    datum_id: wireId(a.datum_id),
    task_id: wireId(a.task_id),
    submission_id: wireId(a.submission_id),
    member_id: wireId(a.member_id),
    value: a.value,
    status: a.status,
    seconds: a.seconds,
  };
}

export interface ProgressRow {
  id: string;
  status: string;
  data_count: number;
  data_completed_count: number;
  answers_count: number;
  spent_cents: string;
  change_id: string;
}

/** The progress object of live progress (§13.3) and of the batch.progress webhook (§13.4). */
export function presentProgress(p: ProgressRow) {
  return {
    object: 'BatchProgress' as const,
    batch_id: wireId(p.id),
    status: p.status,
    data_count: p.data_count,
    data_completed_count: p.data_completed_count,
    progress: progressOf(p.data_completed_count, p.data_count),
    answers_count: p.answers_count,
    ...money('spent', Number(p.spent_cents)),
  };
}
