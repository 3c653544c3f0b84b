import { ArgumentsHost, Catch, ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { apiErrorOf, isDatabaseUnavailable } from '../database/pg-errors';
import { ApiError, ErrorType } from './errors';

const STATUS_TYPES: Record<number, ErrorType> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  402: 'PaymentRequired',
  403: 'Forbidden',
  404: 'RecordNotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'InvalidParameters',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
};

/**
 * Finds the methods a path answers to, so a known path with the wrong method is a 405 rather
 * than a 404. Set once the router is built (see bootstrap).
 */
export type AllowedMethods = (path: string) => string[];

export function errorBody(status: number, type: ErrorType, message: string, details?: unknown, extra?: Record<string, unknown>) {
  return { error: message, type, status, ...(details ? { details } : {}), ...(extra ?? {}) };
}

export function sendError(
  res: Response,
  status: number,
  type: ErrorType,
  message: string,
  opts: { details?: unknown; headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
) {
  if (res.headersSent) return;
  // refused before its body was read (a 401 to an anonymous upload, say): close the connection
  // rather than drain the rest of the body into a connection kept alive for nothing
  if (res.req && !res.req.complete) res.setHeader('Connection', 'close');
  for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v);
  res
    .status(status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(status, type, message, opts.details, opts.extra)));
}

/** Renders every failure in the contract's error shape (API.md §1.2). */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly allowedMethods: () => AllowedMethods | undefined,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();

    if (exception instanceof ApiError) {
      sendError(res, exception.getStatus(), exception.type, exception.message, {
        details: exception.details,
        headers: exception.headers,
        extra: exception.extra,
      });
      return;
    }
    if (exception instanceof ThrottlerException) {
      // the throttler guard has already set Retry-After on the response
      if (!res.getHeader('Retry-After')) res.setHeader('Retry-After', '60');
      sendError(res, 429, 'TooManyRequests', 'Rate limit exceeded; retry after the number of seconds in Retry-After');
      return;
    }
    if (exception instanceof NotFoundException && /^Cannot [A-Z]+ /.test(exception.message)) {
      // Nest's "no route matched": a 405 when the path exists under another method
      const allowed = this.allowedMethods()?.(req.path) ?? [];
      if (allowed.length > 0) {
        sendError(res, 405, 'MethodNotAllowed', `${req.method} is not allowed on ${req.path}`, { headers: { Allow: allowed.join(', ') } });
      } else {
        sendError(res, 404, 'RecordNotFound', `No route matches ${req.method} ${req.path}`);
      }
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const type = STATUS_TYPES[status] ?? (status >= 500 ? 'InternalError' : 'BadRequest');
      if (status >= 500) this.logger.error({ err: exception, reqId: req.id }, 'unhandled http exception');
      sendError(res, status, type, status >= 500 ? 'Internal server error' : exception.message);
      return;
    }
    // a database error no code handled (src/database/pg-errors.ts): unavailable, too contended, a
    // unique or foreign key race, a value out of range; anything else is a bug (500)
    const db = apiErrorOf(exception);
    if (db) {
      this.logger.warn({ err: exception, reqId: req.id }, isDatabaseUnavailable(exception) ? 'database unavailable' : 'database refused the request');
      sendError(res, db.getStatus(), db.type, db.message, { details: db.details, headers: db.headers });
      return;
    }
    this.logger.error({ err: exception, reqId: req.id }, 'unhandled error');
    sendError(res, 500, 'InternalError', 'Internal server error');
  }
}
