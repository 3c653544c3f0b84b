import { applyDecorators, Type } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiHeader, ApiOperation, ApiResponse, ApiSecurity, getSchemaPath } from '@nestjs/swagger';
import { ApiErrorBody } from './errors.response';

// @nestjs/swagger does not export its OpenAPI types; take them from its decorators' signatures.
type SchemaHost = Extract<Parameters<typeof ApiResponse>[0], { schema: unknown }>;
export type Schema = SchemaHost['schema'];
type HeaderObject = NonNullable<SchemaHost['headers']>[string];

/** The names of the security schemes (document.ts declares them). */
export const BASIC = 'basic';
export const BEARER = 'bearer';

/**
 * What each error status means on this API (API.md §1.2). Every documented error answer has the
 * ApiErrorBody shape; the description says when it happens.
 */
const ERRORS: Record<number, { description: string; type: string; example: string; headers?: Record<string, HeaderObject> }> = {
  400: { type: 'BadRequest', description: 'The body is not valid JSON (or not a JSON object), or OpenGuilds-Version names an unknown version.', example: 'Request body is not valid JSON' },
  401: {
    type: 'Unauthorized',
    description: 'No API key, or not a valid one.',
    example: 'Invalid API key',
    headers: { 'WWW-Authenticate': { description: 'always `Basic realm="OpenGuilds"`', schema: { type: 'string', example: 'Basic realm="OpenGuilds"' } } },
  },
  402: { type: 'PaymentRequired', description: 'The wallet holds less than the cost and there is no card, or the card was declined (`code`, `decline_code`). Nothing changed.', example: 'The card was declined' },
  403: { type: 'Forbidden', description: 'Authenticated, but not allowed (e.g. not subscribed to the task).', example: 'You are not subscribed to this task' },
  404: { type: 'RecordNotFound', description: 'No such record, or not visible to the caller.', example: "Couldn't find Batch with 'id'=42" },
  406: { type: 'NotAcceptable', description: '`Accept` excludes application/json.', example: 'This API answers with application/json; the Accept header excludes it' },
  409: { type: 'Conflict', description: 'The record is in a state that does not allow this (paid, submitted, completed, …).', example: 'Batch 1 is already paid' },
  410: { type: 'Gone', description: 'The record existed but is over (an expired assignment).', example: 'Assignment 17 expired' },
  413: { type: 'PayloadTooLarge', description: 'The body or the upload is over the configured limit.', example: 'Request body is larger than the limit of 67108864 bytes' },
  415: { type: 'UnsupportedMediaType', description: 'A body of a content type this route does not take.', example: 'Content-Type text/plain is not accepted here; send application/json' },
  422: { type: 'InvalidParameters', description: 'Validation failed; `details` names each field. Also a reused Idempotency-Key with another request.', example: 'name must be a string' },
  429: {
    type: 'TooManyRequests',
    description: 'Rate limit hit.',
    example: 'Rate limit exceeded; retry after the number of seconds in Retry-After',
    headers: { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', example: 60 } } },
  },
  500: { type: 'InternalError', description: 'A bug; the details are in the server log only.', example: 'Internal server error' },
  503: {
    type: 'ServiceUnavailable',
    description: 'The database (or the payment processor) cannot be reached right now; safe to retry.',
    example: 'The service is temporarily unavailable; retry shortly',
    headers: { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer', example: 5 } } },
  },
};

export type Auth = 'key' | 'public' | 'key-or-token';

export interface Success {
  status: number;
  /** the response class; omit for a body-less answer (204) */
  type?: Type<unknown>;
  /** a raw schema when no class fits (e.g. oneOf of two shapes) */
  schema?: Schema;
  description: string;
  /** media type of the body, when not application/json */
  mediaType?: string;
  /** several media types at once (a route that answers JSON or HTML) */
  content?: Record<string, Schema>;
  headers?: Record<string, HeaderObject>;
}

export interface DocOptions {
  /** the stable operationId (lowerCamelCase, unique): the SDK's name for the operation */
  id: string;
  summary: string;
  description?: string;
  /** 'key' (default): Basic or Bearer API key; 'public': none; 'key-or-token': the key or the assignment's ?token= */
  auth?: Auth;
  ok: Success | Success[];
  /** route-specific error statuses (the ones every route can answer are added here) */
  errors?: number[];
  /** takes a request body: adds 400, 413 and 415 */
  body?: boolean;
  /** honours Idempotency-Key (money-moving POSTs) */
  idempotent?: boolean;
  /** the answer's shape depends on OpenGuilds-Version: documents the header (and its 400) */
  versioned?: boolean;
}

/** Statuses any /api route may answer: refused Accept, rate limit, a bug, the database down. */
const ALWAYS = [406, 429, 500, 503];

/**
 * One decorator per route with everything the OpenAPI document says about it: operationId,
 * summary, security, the success answers and every error answer (ApiErrorBody), and the headers
 * it honours. Only documentation: the behaviour stays in guards, pipes and services.
 */
export function ApiDoc(o: DocOptions): MethodDecorator {
  const auth = o.auth ?? 'key';
  const statuses = new Set<number>([...ALWAYS, ...(o.errors ?? [])]);
  if (auth !== 'public') statuses.add(401);
  if (o.body) [400, 413, 415].forEach((s) => statuses.add(s));
  if (o.versioned) statuses.add(400);
  const decorators: Array<MethodDecorator | ClassDecorator> = [
    ApiOperation({ operationId: o.id, summary: o.summary, ...(o.description ? { description: o.description } : {}), ...(auth === 'public' ? { security: [] } : {}) }),
    ApiExtraModels(ApiErrorBody),
  ];
  if (auth !== 'public') decorators.push(ApiSecurity(BASIC), ApiSecurity(BEARER));
  // the empty requirement: this route also works without a key (with ?token= instead)
  if (auth === 'key-or-token') decorators.push(ApiSecurity({}));
  for (const s of Array.isArray(o.ok) ? o.ok : [o.ok]) {
    const headers = s.headers ? { headers: s.headers } : {};
    if (s.content) {
      const content = Object.fromEntries(Object.entries(s.content).map(([type, schema]) => [type, { schema }]));
      decorators.push(ApiResponse({ status: s.status, description: s.description, content, ...headers }));
    } else if (s.mediaType) {
      decorators.push(ApiResponse({ status: s.status, description: s.description, content: { [s.mediaType]: { schema: s.schema ?? { type: 'string' } } }, ...headers }));
    } else if (s.schema) {
      decorators.push(ApiResponse({ status: s.status, description: s.description, schema: s.schema, ...headers }));
    } else {
      decorators.push(ApiResponse({ status: s.status, description: s.description, ...(s.type ? { type: s.type } : {}), ...headers }));
    }
  }
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const e = ERRORS[status];
    if (!e) throw new Error(`ApiDoc(${o.id}): no description for error status ${status}`);
    decorators.push(
      ApiResponse({
        status,
        description: e.description,
        ...(e.headers ? { headers: e.headers } : {}),
        content: { 'application/json': { schema: { $ref: getSchemaPath(ApiErrorBody) }, example: { error: e.example, type: e.type, status } } },
      }),
    );
  }
  if (o.idempotent) {
    decorators.push(
      ApiHeader({
        name: 'Idempotency-Key',
        required: false,
        description: 'Makes a retry safe: a retry with the same key gets the first response (status and body); the same key with another request is a 422. 1–255 visible ASCII characters.',
        schema: { type: 'string', minLength: 1, maxLength: 255, example: 'pay-batch-1' },
      }),
    );
  }
  if (o.versioned) decorators.push(VersionHeader());
  return applyDecorators(...decorators);
}

/** The OpenGuilds-Version request header (API.md §1.4). */
export const VersionHeader = () =>
  ApiHeader({
    name: 'OpenGuilds-Version',
    required: false,
    description:
      'Omit for the shapes of this document. `2018-12-18` gives the shapes the Ruby client was written against: nested collections (Batch.data, Batch.webhooks, Task.connections, Wallet.transactions) wrapped as List objects, and connections with `source_id`/`target_id`.',
    schema: { type: 'string', enum: ['2018-12-18'] },
  });

/** A JSON request body described by a raw schema (routes that read their body by hand). */
export const JsonBody = (schema: Schema, description?: string) =>
  applyDecorators(ApiConsumes('application/json'), ApiBody({ schema, required: true, ...(description ? { description } : {}) }));
