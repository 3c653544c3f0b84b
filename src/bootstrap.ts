import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Express } from 'express';
import helmet from 'helmet';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { normalizeBasicAuthorization } from './auth/credentials';
import { AllowedMethods, ApiErrorFilter } from './common/error.filter';
import { compatAliases } from './compat/aliases';
import { serveOpenApi } from './common/openapi/document';
import { requireJsonAccept } from './common/http-conventions';
import { TextSafetyPipe } from './common/text-safety';
import { apiValidationPipe } from './common/validation';
import { AppConfig } from './config/config';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';
import { createLogger, httpLogger, Logger, PinoNestLogger } from './logging/logger';
import { startupSummary } from './logging/startup-summary';
import { httpMetrics } from './metrics/http-metrics';
import { Metrics } from './metrics/metrics.service';
import { startStripeMock, StripeMock } from './stripe-mock';

export interface RunningServer {
  app: INestApplication;
  /** where it listens, e.g. http://127.0.0.1:41234 */
  url: string;
  config: AppConfig;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  /** where JSON logs go (default stdout); tests capture them to scan for secrets */
  logStream?: DestinationStream;
  /** the caller has already migrated this database (tests clone a migrated template) */
  skipMigrations?: boolean;
}

/**
 * Starts everything the server needs, in order: the database (embedded unless DATABASE_URL),
 * migrations, the Stripe endpoint (a local mock in test mode), then the Nest app. `main.ts` and
 * the tests both start the server through here, so tests run the same wiring as production.
 */
export async function startServer(base: AppConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const config: AppConfig = { ...base };
  const logger = createLogger(config.logLevel, opts.logStream, config.logFormat);
  const stops: Array<() => Promise<void>> = [];
  try {
    let embedded: EmbeddedDatabase | undefined;
    if (!config.databaseUrl) {
      const dir = path.join(config.dataDir, 'postgres');
      embedded = await startEmbeddedPostgres({
        dir,
        port: config.embeddedPostgresPort,
        database: 'openguilds',
        log: (l) => logger.debug({ postgres: l }),
        warn: (l) => logger.warn(l),
        callerHandlesSignals: true,
      });
      stops.push(() => embedded!.stop());
      config.databaseUrl = embedded.url;
      logger.debug({ dir, port: config.embeddedPostgresPort }, 'started embedded PostgreSQL (no DATABASE_URL set)');
    }
    if (!opts.skipMigrations) await runMigrations(config.databaseUrl!);

    let stripeMock: StripeMock | undefined;
    if (!config.stripeSecretKey) {
      if (!config.stripeApiUrl) {
        stripeMock = await startStripeMock();
        stops.push(() => stripeMock!.close());
        config.stripeApiUrl = stripeMock.url;
      }
      config.stripeSecretKey = 'sk_test_openguilds_local_mock';
    }

    // `config` is the object every module receives: what is resolved below (publicUrl) is seen by all.
    const app = await NestFactory.create(AppModule.forRoot(config, logger), {
      bodyParser: false,
      logger: new PinoNestLogger(logger),
    });
    // filled in once the router is built (below); the filter reads it per request
    let allowedMethods: AllowedMethods | undefined = undefined;
    const express = app.getHttpAdapter().getInstance() as Express;
    // X-Forwarded-For is believed for exactly this many proxy hops (req.ip: rate limits, logs)
    express.set('trust proxy', config.trustProxy);
    express.disable('x-powered-by');
    app.use(httpMetrics(app.get(Metrics)));
    app.use(httpLogger(logger));
    // Security headers (helmet's defaults). The worker pages and file downloads send their own
    // stricter CSP, which replaces this one. Files and sample images are loaded by workspaces
    // hosted on other origins, so resources are cross-origin readable (CORP); https-only rules
    // (HSTS, upgrade-insecure-requests) only where the public URL is https.
    const https = config.publicUrl.startsWith('https:');
    app.use(
      helmet({
        strictTransportSecurity: https,
        crossOriginResourcePolicy: { policy: 'cross-origin' },
        contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? [] : null } },
      }),
    );
    // URL aliases of the docs and the Ruby clients → canonical paths, before anything reads the path
    app.use(compatAliases);
    app.use((req: { headers: Record<string, string | undefined> }, _res: unknown, next: () => void) => {
      req.headers.authorization = normalizeBasicAuthorization(req.headers.authorization);
      next();
    });
    app.use(requireJsonAccept);
    // bodies are read by ContentTypeGuard, after authentication (src/common/http-conventions.ts)
    app.useGlobalPipes(new TextSafetyPipe(), apiValidationPipe());
    app.useGlobalFilters(new ApiErrorFilter(logger, () => allowedMethods));
    serveOpenApi(app);

    await app.init();
    allowedMethods = routeTable(app);
    const server: Server = app.getHttpServer();
    // Slow clients cannot hold connections open forever (slow-loris): bounded header and request time.
    server.headersTimeout = 10_000;
    server.requestTimeout = 120_000;
    server.keepAliveTimeout = 5_000;
    await app.listen(config.port);
    const port = (server.address() as AddressInfo).port;
    if (!config.publicUrl) config.publicUrl = `http://localhost:${port}`;
    const summary = startupSummary({
      config,
      url: `http://localhost:${port}`,
      embedded: embedded ? { dir: path.join(config.dataDir, 'postgres'), port: config.embeddedPostgresPort } : undefined,
      stripeMockUrl: stripeMock?.url,
    });
    summary.forEach((line, i) => (i === 0 ? logger[line.level]({ port, publicUrl: config.publicUrl }, line.msg) : logger[line.level](line.msg)));

    let closed = false;
    return {
      app,
      url: `http://127.0.0.1:${port}`,
      config,
      logger,
      close: async () => {
        if (closed) return;
        closed = true;
        await app.close();
        for (const stop of stops.reverse()) await stop().catch((err) => logger.error({ err }, 'error while stopping'));
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * What `npm start` / `npm run demo` print when start-up fails: one line naming the problem, e.g.
 * the HTTP port or the embedded PostgreSQL in use; the stack only for an unexpected error.
 */
export function startupFailureMessage(err: unknown): string {
  const e = err as (NodeJS.ErrnoException & { port?: number }) | undefined;
  if (e?.code === 'EADDRINUSE')
    return `OpenGuilds could not start: port ${e.port ?? ''} is in use (is another server running?); set PORT to a free port`.replace(
      'port  is',
      'the port is',
    );
  if (e instanceof Error) return `OpenGuilds could not start: ${e.message}${/^(the embedded|embedded)/.test(e.message) ? '' : `\n${e.stack ?? ''}`}`;
  return `OpenGuilds could not start: ${String(err)}`;
}

/** Which methods each routed path answers to, read from the router once it is built. */
function routeTable(app: INestApplication): AllowedMethods {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: RouterLayer[] }; _router?: { stack: RouterLayer[] } };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  const routes = stack.filter((l) => l.route);
  return (reqPath: string) => {
    const allowed = new Set<string>();
    for (const layer of routes) {
      if (layer.match(reqPath)) for (const m of Object.keys(layer.route!.methods)) if (m !== '_all') allowed.add(m.toUpperCase());
    }
    return [...allowed];
  };
}

interface RouterLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}
