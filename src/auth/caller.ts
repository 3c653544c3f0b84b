import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { API_VERSIONS, ApiVersion } from '../common/wire';
import { badRequest } from '../common/errors';

/** Who is calling: resolved from the API key by the auth guard, and passed explicitly to services. */
export interface Caller {
  userId: string;
  email: string;
  apiKeyId: string;
}

const IS_PUBLIC = 'openguilds:public';
/** A route that needs no API key (registration, health, the token-authorised worker form submit). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
export const PUBLIC_KEY = IS_PUBLIC;

/** The authenticated caller. Only on routes behind the auth guard. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<Request & { user?: Caller }>().user;
  if (!caller) throw new Error('CurrentCaller used on a route without authentication');
  return caller;
});

/** The caller when a key was sent, else undefined (for @Public routes that also accept keys). */
export const OptionalCaller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Caller | undefined => ctx.switchToHttp().getRequest<Request & { user?: Caller }>().user,
);

export function apiVersionOf(req: Request): ApiVersion {
  const raw = req.headers['openguilds-version'];
  if (raw === undefined || raw === '') return 'default';
  const v = String(raw).trim();
  if ((API_VERSIONS as readonly string[]).includes(v)) return v as ApiVersion;
  throw badRequest(`Unknown OpenGuilds-Version "${v}"; known versions: ${API_VERSIONS.join(', ')}`);
}

/** The wire shape version chosen by the OpenGuilds-Version header (API.md §1.4). */
export const WireVersion = createParamDecorator((_: unknown, ctx: ExecutionContext): ApiVersion => apiVersionOf(ctx.switchToHttp().getRequest<Request>()));
