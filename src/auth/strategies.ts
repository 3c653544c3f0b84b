import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { BasicStrategy } from 'passport-http';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { AuthService } from './auth.service';
import { Caller } from './caller';

type CallerLookup = (key: string) => Promise<Caller | undefined>;
const LOOKUP = 'openguildsCallerForKey';

/**
 * Passport keeps strategies in one process-wide registry, so a strategy must not hold on to one
 * app's services: with two apps in a process (tests) the last one registered would serve both.
 * Each app puts its key lookup on its own Express instance instead, and the strategies use the
 * lookup of the app that received the request.
 */
@Injectable()
export class CallerLookupInstaller implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
  ) {}
  onApplicationBootstrap(): void {
    const lookup: CallerLookup = (key) => this.auth.callerForKey(key);
    (this.adapterHost.httpAdapter.getInstance() as { locals: Record<string, unknown> }).locals[LOOKUP] = lookup;
  }
}

function lookupFor(req: Request): CallerLookup {
  return req.app.locals[LOOKUP] as CallerLookup;
}

/** `Authorization: Basic base64(KEY:…)`: the key is the username, the password is ignored. */
@Injectable()
export class ApiKeyBasicStrategy extends PassportStrategy(BasicStrategy, 'basic') {
  constructor() {
    super({ realm: 'OpenGuilds', passReqToCallback: true });
  }
  async validate(req: Request, username: string): Promise<Caller | false> {
    return (await lookupFor(req)(username)) ?? false;
  }
}

/** `Authorization: Bearer KEY`. */
@Injectable()
export class ApiKeyBearerStrategy extends PassportStrategy(BearerStrategy, 'bearer') {
  constructor() {
    super({ passReqToCallback: true });
  }
  async validate(req: Request, token: string): Promise<Caller | false> {
    return (await lookupFor(req)(token)) ?? false;
  }
}
