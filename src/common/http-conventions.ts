import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendError } from './error.filter';
import { badRequest, unsupportedMediaType } from './errors';

/**
 * Express-level conventions that run before Nest routing: body parsing with its failures in the
 * error shape (400 malformed, 413 too large), and 406 when an /api client refuses JSON.
 */
export function bodyParsers(jsonLimitBytes: number): Array<RequestHandler | ((err: unknown, req: Request, res: Response, next: NextFunction) => void)> {
  return [
    express.json({ limit: jsonLimitBytes, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ extended: false, limit: jsonLimitBytes, parameterLimit: 1000 }),
    (err: unknown, _req: Request, res: Response, next: NextFunction) => {
      const e = err as { type?: string; status?: number; message?: string };
      if (e?.type === 'entity.too.large') return sendError(res, 413, 'PayloadTooLarge', `Request body is larger than the limit of ${jsonLimitBytes} bytes`);
      if (e?.type === 'entity.parse.failed') return sendError(res, 400, 'BadRequest', 'Request body is not valid JSON');
      if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return sendError(res, 415, 'UnsupportedMediaType', e.message ?? 'Unsupported encoding');
      if (e?.status && e.status >= 400 && e.status < 500) return sendError(res, 400, 'BadRequest', 'Request body could not be read');
      next(err);
    },
    (req: Request, res: Response, next: NextFunction) => {
      if (req.body !== null && typeof req.body === 'object' && jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) {
        return sendError(res, 400, 'BadRequest', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
      next();
    },
  ];
}

/**
 * No request of the contract nests deeper than a handful of levels (the Rails batch form is
 * about 6). A deeper body is refused before it reaches validation, whose recursive walkers
 * (class-transformer, class-validator) would otherwise overflow the stack on a few thousand
 * levels and answer 500.
 */
export const MAX_JSON_DEPTH = 32;

/** Iterative (a recursive walk would have the very problem it guards against). */
export function jsonDepthExceeds(root: object, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
    } else {
      for (const k in v as Record<string, unknown>) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
      }
    }
  }
  return false;
}

/** Results exports and progress streams (API.md §13) also answer in CSV, JSON Lines and text/event-stream. */
function streams(req: Request): boolean {
  return /^\/api\/batch(es)?\/[^/]+\/(results|events)\/?$/.test(req.path) && !!req.accepts(['text/csv', 'application/x-ndjson', 'text/event-stream']);
}

/** /api answers in JSON only; the interactive docs are HTML and exempt. */
export function requireJsonAccept(req: Request, res: Response, next: NextFunction): void {
  if (req.path.startsWith('/api/') && !req.path.startsWith('/api/docs') && !req.path.startsWith('/api/files/') && req.headers.accept && !req.accepts('json') && !streams(req)) {
    return sendError(res, 406, 'NotAcceptable', 'This API answers with application/json; the Accept header excludes it');
  }
  next();
}

export type BodyKind = 'json' | 'form' | 'multipart';
const BODY_KINDS = 'openguilds:body-kinds';

/** Marks a route that also takes browser forms or uploads (API.md §1: worker submit, files). */
export const AcceptsBody = (...kinds: BodyKind[]) => SetMetadata(BODY_KINDS, ['json', ...kinds]);

function bodyKind(req: Request): BodyKind | 'other' {
  if (req.is(['application/json', 'application/*+json'])) return 'json';
  if (req.is('application/x-www-form-urlencoded')) return 'form';
  if (req.is('multipart/form-data')) return 'multipart';
  return 'other';
}

/**
 * 415 for a body of a content type the route does not take, and a 400 for JSON that is not an
 * object (every write in the contract takes an object).
 */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<Request>();
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.method === 'GET' || req.method === 'DELETE' || req.method === 'HEAD') return true;
    const allowed = this.reflector.getAllAndOverride<BodyKind[]>(BODY_KINDS, [ctx.getHandler(), ctx.getClass()]) ?? ['json'];
    const kind = bodyKind(req);
    if (kind === 'other' || !allowed.includes(kind)) {
      throw unsupportedMediaType(`Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted here; send ${allowed.map(mediaType).join(' or ')}`);
    }
    if (kind === 'json' && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
      throw badRequest('Request body must be a JSON object');
    }
    return true;
  }
}

function mediaType(kind: BodyKind): string {
  return { json: 'application/json', form: 'application/x-www-form-urlencoded', multipart: 'multipart/form-data' }[kind];
}
