import { ApiError, conflict, invalid } from '../common/errors';

/**
 * Postgres errors, recognised in one place. Code elsewhere asks these functions (is it a unique
 * violation of this constraint? is it retryable?) instead of reading SQLSTATE codes itself, and
 * the error filter renders what no code handled with `apiErrorOf` (API.md §1.2).
 * SQLSTATE codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export interface PgError {
  code: string;
  constraint?: string;
  table?: string;
  column?: string;
}

/** The Postgres error inside `err` (TypeORM wraps pg's in QueryFailedError.driverError), if any. */
export function pgError(err: unknown): PgError | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  const d = (e?.driverError ?? e) as (PgError & { code?: unknown }) | null | undefined;
  return typeof d?.code === 'string' ? (d as PgError) : undefined;
}

function is(err: unknown, code: string, constraint?: string): boolean {
  const p = pgError(err);
  return p?.code === code && (constraint === undefined || p.constraint === constraint);
}

/** 23505: a unique constraint (or unique index) refused the row; `constraint` narrows it to one. */
export const isUniqueViolation = (err: unknown, constraint?: string) => is(err, SQLSTATE.uniqueViolation, constraint);
/** 23503: a foreign key refused the row (what it refers to is gone). */
export const isForeignKeyViolation = (err: unknown, constraint?: string) => is(err, SQLSTATE.foreignKeyViolation, constraint);
/** 23514: a CHECK constraint refused the row. */
export const isCheckViolation = (err: unknown, constraint?: string) => is(err, SQLSTATE.checkViolation, constraint);

/** 40001 / 40P01: Postgres aborted the transaction to keep it serializable or to break a deadlock; running it again is safe. */
export function isRetryable(err: unknown): boolean {
  const code = pgError(err)?.code;
  return code === SQLSTATE.serializationFailure || code === SQLSTATE.deadlockDetected;
}

/** 22xxx: a value does not fit its type (out of range, bad syntax, bytes Postgres cannot store). */
export function isDataException(err: unknown): boolean {
  return pgError(err)?.code.startsWith('22') ?? false;
}

// connection refused/reset, admin shutdown, crash shutdown, cannot connect now, connection exceptions, too many connections
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);

/** True when the error means "the database cannot be reached right now", which is a 503, not a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string; name?: string };
  // TypeORM releases a transaction's query runner when its connection dies; the transaction's
  // next query then throws this instead of the connection error (seen with the database stopped
  // under load). Our code never uses an EntityManager after its transaction has ended.
  if (e?.name === 'QueryRunnerAlreadyReleasedError') return true;
  const code = e?.driverError?.code ?? e?.code;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  const msg = e?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|the database system is (starting up|shutting down)|Client has encountered a connection error/i.test(
    msg,
  );
}

/**
 * The contract's error (API.md §1.2) for a database error no code handled, or undefined (→ 500).
 * A module that knows what a constraint means (the email taken, the pending invite) maps it
 * itself, with the field's name, before it gets here.
 */
export function apiErrorOf(err: unknown): ApiError | undefined {
  if (isDatabaseUnavailable(err)) {
    return new ApiError(503, 'ServiceUnavailable', 'The service is temporarily unavailable; retry shortly', undefined, { 'Retry-After': '5' });
  }
  // inTransaction retried it already: the rows are too contended right now
  if (isRetryable(err))
    return new ApiError(503, 'ServiceUnavailable', 'The request collided with others too often; retry shortly', undefined, { 'Retry-After': '1' });
  if (isUniqueViolation(err)) return conflict('A record with these values already exists');
  if (isForeignKeyViolation(err)) return conflict('A record this refers to does not exist (any more)');
  if (isDataException(err)) return invalid('A value is out of range or not valid for its type');
  return undefined;
}
