import { apiErrorOf, isCheckViolation, isRetryable, isUniqueViolation } from './pg-errors';

/** pg's error as TypeORM wraps it (QueryFailedError.driverError). */
const wrapped = (code: string, constraint?: string) => Object.assign(new Error('query failed'), { driverError: { code, constraint } });

describe('Postgres errors, mapped in one place', () => {
  it('recognises a code with or without TypeORM around it, and narrows to a constraint', () => {
    expect(isUniqueViolation(wrapped('23505', 'users_email_key'), 'users_email_key')).toBe(true);
    expect(isUniqueViolation({ code: '23505', constraint: 'users_email_key' }, 'users_email_key')).toBe(true);
    expect(isUniqueViolation(wrapped('23505', 'invites_pending_key'), 'users_email_key')).toBe(false);
    expect(isCheckViolation(wrapped('23514', 'ledger_accounts_non_negative'), 'ledger_accounts_non_negative')).toBe(true);
    expect(isRetryable(wrapped('40001'))).toBe(true);
    expect(isRetryable(wrapped('40P01'))).toBe(true);
    expect(isRetryable(wrapped('23505'))).toBe(false);
    expect(isRetryable(new Error('no code'))).toBe(false);
  });

  it.each([
    ['23505', 409, 'Conflict'],
    ['23503', 409, 'Conflict'],
    ['22003', 422, 'InvalidParameters'],
    ['22P02', 422, 'InvalidParameters'],
    ['40001', 503, 'ServiceUnavailable'],
    ['57P01', 503, 'ServiceUnavailable'],
  ])('renders SQLSTATE %s as %i %s', (code, status, type) => {
    const e = apiErrorOf(wrapped(code));
    expect(e?.getStatus()).toBe(status);
    expect(e?.type).toBe(type);
  });

  it('leaves a bug a bug (500 in the filter)', () => {
    expect(apiErrorOf(wrapped('42P01'))).toBeUndefined(); // undefined table
    expect(apiErrorOf(new TypeError('x is undefined'))).toBeUndefined();
  });
});
