import { applyDecorators, CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import { ApiError, conflict, ErrorType, invalid } from './errors';
import { claimIdempotencyKey, idempotencyKey, releaseIdempotencyKey, storeIdempotentResponse, takeOverAbandonedKey } from './idempotency.repository';
import { digestsEqual } from '../auth/credentials';

/** How long a retry waits for the first request with its key to finish before answering 409. */
const WAIT_MS = 10_000;
/** A key whose request has shown no result for this long is presumed abandoned (process died) and taken over. */
const ABANDONED_SECONDS = 120;
/** Error statuses kept and replayed. 402/409/429 describe a state that may change, and nothing was changed, so they are not. */
const STORED_ERRORS = new Set([400, 403, 404, 410, 413, 415, 422]);

/**
 * `Idempotency-Key` for money-moving POSTs (the Stripe convention):
 * - the first request with a key (per user) runs and its response is stored: 2xx, and the 4xx
 *   that are final and changed nothing (400, 403, 404, 410, 413, 415, 422);
 * - a retry with the same key gets the stored response, status and body;
 * - a retry while the first is still running waits for it (up to 10 s), then gets 409;
 * - after a 5xx, 402, 409 or 429 the key is released, so a retry runs again (nothing had changed);
 * - the same key on another method or path, or with another query or body, is a 422.
 * Requests without the header are not affected.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reflector: Reflector,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = ctx.switchToHttp().getRequest<Request & { user?: { userId: string } }>();
    const raw = req.headers['idempotency-key'];
    if (raw === undefined || !req.user) return next.handle();
    const key = String(raw).trim();
    if (key === '' || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
      throw invalid('Idempotency-Key must be 1 to 255 visible ASCII characters', [{ field: 'Idempotency-Key', message: 'is invalid' }]);
    }
    const userId = req.user.userId;
    const method = req.method;
    const path = req.path;
    const success: number = this.reflector.get<number>(HTTP_CODE_METADATA, ctx.getHandler()) ?? (method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);

    const requestHash = fingerprint(method, path, req.query, req.body);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (await claimIdempotencyKey(this.db.manager, { userId, key, method, path, requestHash })) break;
      const row = await idempotencyKey(this.db.manager, userId, key, ABANDONED_SECONDS);
      if (!row) continue; // released between the insert and the select: try to claim it again
      if (row.method !== method || row.path !== path) {
        throw invalid(`Idempotency-Key was already used for ${row.method} ${row.path}; use a new key for a different request`, [
          { field: 'Idempotency-Key', message: 'was used for a different request' },
        ]);
      }
      // the same key with another body or query: Stripe's rule (a replay would answer a request that was not made)
      if (row.request_hash !== null && !digestsEqual(row.request_hash, requestHash)) {
        throw invalid('Idempotency-Key was already used with a different request body; use a new key for a different request', [
          { field: 'Idempotency-Key', message: 'was used for a different request' },
        ]);
      }
      if (row.response_status !== null) return of(replay(row.response_status, row.response_body));
      if (row.abandoned) {
        if (await takeOverAbandonedKey(this.db.manager, userId, key, ABANDONED_SECONDS)) break;
        continue;
      }
      if (Date.now() > deadline) throw conflict('A request with this Idempotency-Key is still in progress; retry shortly');
      await new Promise((r) => setTimeout(r, 50));
    }

    const store = (status: number, body: unknown) => storeIdempotentResponse(this.db.manager, userId, key, status, JSON.stringify(body ?? null));
    const release = () => releaseIdempotencyKey(this.db.manager, userId, key);

    return next.handle().pipe(
      // the money has moved: a failure to store the response must not turn the answer into an error
      mergeMap((body) =>
        from(
          store(success, body).then(
            () => body,
            () => body,
          ),
        ),
      ),
      catchError((err: unknown) => {
        const keep = err instanceof ApiError && STORED_ERRORS.has(err.getStatus());
        const done = keep
          ? store(err.getStatus(), {
              error: err.message,
              type: err.type,
              status: err.getStatus(),
              ...(err.details ? { details: err.details } : {}),
              ...(err.extra ?? {}),
            })
          : release();
        return from(done.catch(() => undefined)).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}

/** JSON with its object keys sorted, so the same request hashes the same whatever its key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** What identifies "the same request" for a key: method, path, query and body. */
export function fingerprint(method: string, path: string, query: unknown, body: unknown): Buffer {
  return createHash('sha256')
    .update(canonical({ method, path, query: query ?? {}, body: body ?? {} }))
    .digest();
}

/** A stored success is returned as the body (the route's status is the stored one); a stored error is thrown again. */
function replay(status: number, body: unknown): unknown {
  if (status < 400) return body;
  const b = (body ?? {}) as { error?: string; type?: ErrorType; details?: ApiError['details']; status?: number } & Record<string, unknown>;
  const { error, type, details, status: _s, ...extra } = b;
  throw new ApiError(status, type ?? 'BadRequest', error ?? 'Request failed', details, undefined, Object.keys(extra).length ? extra : undefined);
}

/** Marks a money-moving POST as honouring the Idempotency-Key header. */
export const Idempotent = () => applyDecorators(UseInterceptors(IdempotencyInterceptor));
