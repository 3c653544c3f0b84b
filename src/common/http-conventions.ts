import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/config';
import { sendError } from './error.filter';
import { badRequest, payloadTooLarge, unsupportedMediaType } from './errors';

/**
 * Body parsing (JSON and urlencoded; multipart is multer's, in the route's interceptor). It runs
 * inside BodyGuard, after authentication: an anonymous request to a route that needs a key is
 * refused before one byte of its body is read (API.md §1.2; issue 13: five anonymous 20 MB
 * bodies used to be parsed before their 401). Failures are in the error shape: 400 malformed,
 * 413 too large, 415 unknown charset.
 */
export function bodyReader(jsonLimitBytes: number): (req: Request, res: Response) => Promise<void> {
  const parsers: RequestHandler[] = [
    express.json({ limit: jsonLimitBytes, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ extended: false, limit: jsonLimitBytes, parameterLimit: 1000 }),
  ];
  const run = (h: RequestHandler, req: Request, res: Response) =>
    new Promise<void>((resolve, reject) => void h(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
  return async (req, res) => {
    try {
      for (const h of parsers) await run(h, req, res);
    } catch (err) {
      const e = err as { type?: string; status?: number; message?: string };
      if (e?.type === 'entity.too.large') throw payloadTooLarge(`Request body is larger than the limit of ${jsonLimitBytes} bytes`);
      if (e?.type === 'entity.parse.failed') throw badRequest('Request body is not valid JSON');
      if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') throw unsupportedMediaType(e.message ?? 'Unsupported encoding');
      if (e?.status && e.status >= 400 && e.status < 500) throw badRequest('Request body could not be read');
      throw err;
    }
    if (req.body !== null && typeof req.body === 'object' && jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) {
      throw badRequest(`Request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
  };
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

/**
 * /api answers in JSON only; the interactive docs are HTML and exempt, and so is a browser form
 * post (urlencoded or multipart): the form routes (submit_to, API.md §7) answer a form with an
 * HTML page or a 303, and a browser sends `Accept: text/html` (issue 13: that was a 406).
 */
export function requireJsonAccept(req: Request, res: Response, next: NextFunction): void {
  const formPost = req.method === 'POST' && !!req.is(['application/x-www-form-urlencoded', 'multipart/form-data']);
  if (
    req.path.startsWith('/api/') &&
    !formPost &&
    !req.path.startsWith('/api/docs') &&
    !req.path.startsWith('/api/files/') &&
    req.headers.accept &&
    !req.accepts('json') &&
    !streams(req)
  ) {
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
 * The last global guard, so it runs once the caller is authenticated (or the route is public):
 * 415 for a body of a content type the route does not take, then the body is read and parsed
 * (bodyReader), and a 400 for JSON that is not an object (every write in the contract takes an
 * object). Nothing before this guard reads the body.
 */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  private readonly readBody: (req: Request, res: Response) => Promise<void>;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.readBody = bodyReader(config.jsonBodyLimitBytes);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && (req.method === 'GET' || req.method === 'DELETE' || req.method === 'HEAD')) {
      // read (and parse, as before) a body sent with a bodiless method, so the connection stays usable
      await this.readBody(req, ctx.switchToHttp().getResponse<Response>());
      return true;
    }
    if (!hasBody) return true;
    const allowed = this.reflector.getAllAndOverride<BodyKind[]>(BODY_KINDS, [ctx.getHandler(), ctx.getClass()]) ?? ['json'];
    const kind = bodyKind(req);
    if (kind === 'other' || !allowed.includes(kind)) {
      throw unsupportedMediaType(`Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted here; send ${allowed.map(mediaType).join(' or ')}`);
    }
    if (kind !== 'multipart') await this.readBody(req, ctx.switchToHttp().getResponse<Response>());
    if (kind === 'json' && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))) {
      throw badRequest('Request body must be a JSON object');
    }
    return true;
  }
}

function mediaType(kind: BodyKind): string {
  return { json: 'application/json', form: 'application/x-www-form-urlencoded', multipart: 'multipart/form-data' }[kind];
}
