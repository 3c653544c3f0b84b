import { LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import pinoHttp from 'pino-http';
import pretty from 'pino-pretty';

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

/**
 * JSON lines by default (production, pipes, tests). `pretty` is for a person at a terminal: one
 * coloured line per event, the request lines reduced to their message (method, path, status,
 * time) and other fields kept on the same line. A given `stream` always gets JSON.
 */
export function createLogger(level: string, stream?: DestinationStream, format: 'pretty' | 'json' = 'json'): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'openguilds' } };
  if (stream || format === 'json') return pino(options, stream);
  return pino(
    options,
    pretty({
      colorize: true,
      singleLine: true,
      sync: true, // a line written just before process.exit (a start-up failure) is not lost
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service,req,res,responseTime',
    }),
  );
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
    // the line a person reads; the JSON fields (req, res, responseTime) carry the same for machines
    customSuccessMessage: (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, responseTime: number) =>
      `${req.method} ${safeUrl(req.originalUrl ?? req.url)} ${res.statusCode} ${Math.round(responseTime)} ms`,
    customErrorMessage: (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, err: Error) =>
      `${req.method} ${safeUrl(req.originalUrl ?? req.url)} ${res.statusCode} failed: ${err.message}`,
  };
  // pino-http's generics cannot express a logger whose level names come from customLogLevel
  return pinoHttp(options as unknown as Parameters<typeof pinoHttp>[0]);
}

/**
 * Nest's start-up chatter (one line per module and per mapped route: over a hundred lines) is
 * debug-level; what runs where is summed up by bootstrap's start-up lines instead.
 */
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's own logger calls, routed into the same log. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    if (context !== undefined && STARTUP_CONTEXTS.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
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
