import { HttpException } from '@nestjs/common';

export interface ErrorDetail {
  field: string;
  message: string;
}

export type ErrorType =
  | 'BadRequest'
  | 'Unauthorized'
  | 'PaymentRequired'
  | 'Forbidden'
  | 'RecordNotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'Conflict'
  | 'Gone'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'InvalidParameters'
  | 'TooManyRequests'
  | 'InternalError'
  | 'BadGateway'
  | 'ServiceUnavailable';

/** The one error class of the API: rendered by ApiErrorFilter as {error, type, status, details?}. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly type: ErrorType,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
    /** extra wire fields, e.g. decline_code on a 402 */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message, status);
  }
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
export const unauthorized = (message = 'Invalid API key') =>
  new ApiError(401, 'Unauthorized', message, undefined, { 'WWW-Authenticate': 'Basic realm="OpenGuilds"' });
export const paymentRequired = (message: string, extra?: Record<string, unknown>) => new ApiError(402, 'PaymentRequired', message, undefined, undefined, extra);
export const forbidden = (message: string) => new ApiError(403, 'Forbidden', message);
/** Also used for records that exist but are not visible to the caller: never reveal other tenants' ids. */
export const notFound = (what: string, id?: string | number) =>
  new ApiError(404, 'RecordNotFound', id === undefined ? `${what} not found` : `Couldn't find ${what} with 'id'=${id}`);
export const conflict = (message: string) => new ApiError(409, 'Conflict', message);
/** A service we depend on refused our request in a way retrying will not fix (a bug or misconfiguration of ours). */
export const badGateway = (message: string) => new ApiError(502, 'BadGateway', message);
export const gone = (message: string) => new ApiError(410, 'Gone', message);
export const payloadTooLarge = (message: string) => new ApiError(413, 'PayloadTooLarge', message);
export const unsupportedMediaType = (message: string) => new ApiError(415, 'UnsupportedMediaType', message);
export const invalid = (message: string, details: ErrorDetail[] = []) => new ApiError(422, 'InvalidParameters', message, details);
/** A single-field validation failure, in the same shape as the DTO validator's. */
export const invalidField = (field: string, message: string) => invalid(`${field} ${message}`, [{ field, message }]);
/** The Rails words the Ruby client expects for a missing root key. */
export const missingParam = (key: string) => invalid(`param is missing or the value is empty: ${key}`, [{ field: key, message: 'is required' }]);
