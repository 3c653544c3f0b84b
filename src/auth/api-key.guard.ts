import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { ApiError, unauthorized } from '../common/errors';
import { Caller, PUBLIC_KEY } from './caller';

/**
 * Global guard: every route needs an API key (Basic or Bearer) unless marked @Public. On a
 * @Public route a key is still read when sent, so such a route can serve both kinds of caller.
 */
@Injectable()
export class ApiKeyGuard extends AuthGuard(['basic', 'bearer']) {
  constructor(private readonly reflector: Reflector) {
    super({ session: false });
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!isPublic) return (await super.canActivate(ctx)) as boolean;
    const req = ctx.switchToHttp().getRequest<Request>();
    if (!req.headers.authorization) return true;
    try {
      await super.canActivate(ctx);
    } catch (err) {
      // a public route does not fail on a bad key (it simply has no caller), only on a lookup error
      if (!(err instanceof ApiError)) throw err;
    }
    return true;
  }

  handleRequest<T = Caller>(err: unknown, user: T | false): T {
    // an error here is the key lookup failing (database down, a bug), not a bad key: let it be a 503/500
    if (err) throw err;
    if (!user) throw unauthorized('Invalid or missing API key');
    return user;
  }
}
