import * as path from 'node:path';

/**
 * The one place that reads process.env. Every setting is typed and validated here; a bad value
 * stops start-up with a message naming the variable. `.env.example` lists the same variables.
 */
export type RunMode = 'development' | 'test' | 'production';

export interface AppConfig {
  mode: RunMode;
  port: number;
  publicUrl: string;
  /** undefined → start an embedded PostgreSQL under dataDir */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  embeddedPostgresPort: number;
  dataDir: string;
  /** undefined → test mode: a local Stripe mock is started and the SDK pointed at it */
  stripeSecretKey: string | undefined;
  stripeApiUrl: string | undefined;
  webhookAllowPrivate: boolean;
  webhookRetryScheduleSeconds: number[];
  webhookTimeoutMs: number;
  /** how often the queue (graphile-worker) looks for due jobs besides being woken by NOTIFY */
  queuePollIntervalMs: number;
  /** jobs run at once per process (webhook sends, mails, sweeps share them) */
  queueConcurrency: number;
  /** how often lapsed claims are swept */
  leaseSweepIntervalMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  rateLimitPerMinute: number;
  jsonBodyLimitBytes: number;
  uploadLimitBytes: number;
  maxBatchData: number;
  logLevel: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return dflt;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: Env = process.env): AppConfig {
  const modeRaw = str(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'test', 'production'].includes(modeRaw)) {
    throw new ConfigError(`NODE_ENV must be development, test or production, got "${modeRaw}"`);
  }
  const mode = modeRaw as RunMode;
  const port = int(env, 'PORT', 3000, 0, 65535);
  const scheduleRaw = str(env, 'WEBHOOK_RETRY_SCHEDULE') ?? '5,300,1800,7200,18000,36000,86400,86400,86400';
  if (!/^\d+(\s*,\s*\d+)*$/.test(scheduleRaw)) {
    throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE must be comma-separated whole seconds, got "${scheduleRaw}"`);
  }
  return {
    mode,
    port,
    // '' → http://localhost:<the port actually bound>, filled in by bootstrap once listening
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? '',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    embeddedPostgresPort: int(env, 'EMBEDDED_POSTGRES_PORT', 54320, 1, 65535),
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? './.data'),
    stripeSecretKey: str(env, 'STRIPE_SECRET_KEY'),
    stripeApiUrl: url(env, 'STRIPE_API_URL', ['http:', 'https:']),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', mode !== 'production'),
    webhookRetryScheduleSeconds: scheduleRaw.split(',').map((s) => Number(s.trim())),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 1, 600_000),
    queuePollIntervalMs: int(env, 'QUEUE_POLL_INTERVAL_MS', 1000, 50, 3_600_000),
    queueConcurrency: int(env, 'QUEUE_CONCURRENCY', 20, 1, 1000),
    leaseSweepIntervalMs: int(env, 'LEASE_SWEEP_INTERVAL_MS', mode === 'test' ? 500 : 10_000, 50, 3_600_000),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: str(env, 'MAIL_FROM') ?? 'OpenGuilds <no-reply@openguilds.local>',
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
    jsonBodyLimitBytes: int(env, 'JSON_BODY_LIMIT_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    uploadLimitBytes: int(env, 'UPLOAD_LIMIT_BYTES', 20 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    maxBatchData: int(env, 'MAX_BATCH_DATA', 100_000, 1, 10_000_000),
    logLevel: str(env, 'LOG_LEVEL') ?? (mode === 'test' ? 'warn' : 'info'),
  };
}

/** Injection token for the loaded configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** For process entry points: the configuration, or a one-line message naming the bad variable and exit 1. */
export function loadConfigOrExit(env: Env = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
}
