import { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import pinoHttp from 'pino-http';

/**
 * Paths redacted from every log line. Secrets, API keys, passwords and card data never appear
 * in logs; request bodies are never logged at all.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_confirmation',
  '*.secret',
  '*.api_key',
  '*.source',
  '*.token',
];

export function createLogger(level: string, stream?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'openguilds' } }, stream);
}

/**
 * Drops query values that may carry tokens (submit_to, invite links) from logged URLs, also when
 * they are URL-encoded inside another parameter (the workspace URL's submitTo=…%3Ftoken%3D…).
 */
export function safeUrl(url: string | undefined): string | undefined {
  return url?.replace(/((?:[?&]|%3F|%26)(?:token|api_key|key)(?:=|%3D))(?:[^&%]|%(?!26))*/gi, '$1[redacted]');
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** JSON request logs with a request id: X-Request-Id is echoed when sane, generated otherwise. */
export function httpLogger(logger: Logger) {
  const options = {
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string; headers: Record<string, unknown>; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: safeUrl(req.url),
        remoteAddress: req.remoteAddress,
        userAgent: req.headers['user-agent'],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  };
  // pino-http's generics cannot express a logger whose level names come from customLogLevel
  return pinoHttp(options as unknown as Parameters<typeof pinoHttp>[0]);
}

/** Nest's own logger calls, routed into the same JSON log. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
export type { Logger };
