import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseDotenv } from 'dotenv';

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
  /** the Dawid–Skene refresh of a task runs after every this-many answers (answer id % N = 0; docs/quality-and-scale.md B.7) */
  qualityRefreshEveryAnswers: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  rateLimitPerMinute: number;
  jsonBodyLimitBytes: number;
  uploadLimitBytes: number;
  maxBatchData: number;
  logLevel: string;
  /** pretty: one coloured line per event (pino-pretty); json: one JSON object per line */
  logFormat: 'pretty' | 'json';
  /** undefined → /metrics is open; set → it needs `Authorization: Bearer <token>` */
  metricsToken: string | undefined;
  /** hops of reverse proxies whose X-Forwarded-For is believed (Express 'trust proxy'); 0 → none */
  trustProxy: number;
  /** where the rate-limit counters live: postgres (shared by every process) or memory (this process only) */
  rateLimitStore: 'postgres' | 'memory';
  /** where uploaded files live */
  fileStorage: FileStorageConfig;
  /** open progress streams (GET /api/batches/:id/events) one API key may hold per process; 429 past it */
  sseMaxStreamsPerKey: number;
  /** seconds between comment lines on an idle progress stream, so proxies keep it open */
  sseHeartbeatSeconds: number;
  /** least milliseconds between two progress events of one stream (API.md §13.3: at most one a second) */
  sseMinIntervalMs: number;
  /**
   * how long a process reuses an API key lookup without asking the database again; a key deleted
   * through another process is refused here at most this long after its DELETE answered (the
   * process that deleted it refuses it at once). 0 → no cache.
   */
  apiKeyCacheTtlMs: number;
}

export type FileStorageConfig =
  | { kind: 'file'; dir: string }
  | {
      kind: 's3';
      bucket: string;
      /** key prefix inside the bucket, '' or ending in '/' */
      prefix: string;
      /** an S3-compatible server that is not AWS (MinIO, s3rver, …); path-style addressing is used with it */
      endpoint: string | undefined;
      region: string;
      /** both undefined → the AWS SDK's default credential chain (AWS_* variables, instance role, …) */
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
    };

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
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']);
  if (mode === 'production' && !publicUrl) {
    throw new ConfigError('PUBLIC_URL must be set when NODE_ENV=production (the base URL clients use: submit_to links, file URLs and mails)');
  }
  const dataDir = path.resolve(str(env, 'DATA_DIR') ?? './.data');
  const logFormat = oneOf(env, 'LOG_FORMAT', ['auto', 'pretty', 'json'], 'auto');
  const scheduleRaw = str(env, 'WEBHOOK_RETRY_SCHEDULE') ?? '5,300,1800,7200,18000,36000,86400,86400,86400';
  if (!/^\d+(\s*,\s*\d+)*$/.test(scheduleRaw)) {
    throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE must be comma-separated whole seconds, got "${scheduleRaw}"`);
  }
  return {
    mode,
    port,
    // '' → http://localhost:<the port actually bound>, filled in by bootstrap once listening
    publicUrl: publicUrl ?? '',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    embeddedPostgresPort: int(env, 'EMBEDDED_POSTGRES_PORT', 54320, 1, 65535),
    dataDir,
    stripeSecretKey: str(env, 'STRIPE_SECRET_KEY'),
    stripeApiUrl: url(env, 'STRIPE_API_URL', ['http:', 'https:']),
    webhookAllowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', mode !== 'production'),
    webhookRetryScheduleSeconds: scheduleRaw.split(',').map((s) => Number(s.trim())),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 1, 600_000),
    queuePollIntervalMs: int(env, 'QUEUE_POLL_INTERVAL_MS', 1000, 50, 3_600_000),
    queueConcurrency: int(env, 'QUEUE_CONCURRENCY', 20, 1, 1000),
    leaseSweepIntervalMs: int(env, 'LEASE_SWEEP_INTERVAL_MS', mode === 'test' ? 500 : 10_000, 50, 3_600_000),
    qualityRefreshEveryAnswers: int(env, 'QUALITY_REFRESH_EVERY_ANSWERS', 100, 1, 1_000_000),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: str(env, 'MAIL_FROM') ?? 'OpenGuilds <no-reply@openguilds.local>',
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
    jsonBodyLimitBytes: int(env, 'JSON_BODY_LIMIT_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    uploadLimitBytes: int(env, 'UPLOAD_LIMIT_BYTES', 20 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    maxBatchData: int(env, 'MAX_BATCH_DATA', 100_000, 1, 10_000_000),
    logLevel: str(env, 'LOG_LEVEL') ?? (mode === 'test' ? 'warn' : 'info'),
    // a person at a terminal gets readable lines; production, pipes and files get JSON
    logFormat: logFormat === 'auto' ? (mode !== 'production' && process.stdout.isTTY ? 'pretty' : 'json') : logFormat,
    metricsToken: str(env, 'METRICS_TOKEN'),
    trustProxy: int(env, 'TRUST_PROXY', 0, 0, 100),
    rateLimitStore: oneOf(env, 'RATE_LIMIT_STORE', ['postgres', 'memory'], 'postgres'),
    fileStorage: fileStorage(env, dataDir),
    sseMaxStreamsPerKey: int(env, 'SSE_MAX_STREAMS_PER_KEY', 20, 1, 100_000),
    sseHeartbeatSeconds: int(env, 'SSE_HEARTBEAT_SECONDS', 15, 1, 3600),
    sseMinIntervalMs: 1000,
    apiKeyCacheTtlMs: int(env, 'API_KEY_CACHE_TTL_MS', mode === 'test' ? 500 : 5000, 0, 60_000),
  };
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T {
  const raw = str(env, name);
  if (raw === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be ${allowed.join(', ')}; got "${raw}"`);
  return raw as T;
}

/** FILE_STORAGE_URL: `file:DIR` (relative to the working directory) or `s3://bucket/prefix`. */
function fileStorage(env: Env, dataDir: string): FileStorageConfig {
  const raw = str(env, 'FILE_STORAGE_URL');
  const endpoint = url(env, 'S3_ENDPOINT', ['http:', 'https:']);
  if (raw === undefined) return { kind: 'file', dir: path.join(dataDir, 'files') };
  if (raw.startsWith('file:')) {
    const dir = raw.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (dir === '') throw new ConfigError(`FILE_STORAGE_URL must name a directory after file:, got "${raw}"`);
    return { kind: 'file', dir: path.resolve(dir) };
  }
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(raw);
  if (!m) throw new ConfigError(`FILE_STORAGE_URL must be file:DIR or s3://bucket/prefix, got "${raw}"`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  const accessKeyId = str(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = str(env, 'S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together (or neither, for the AWS default credentials)');
  }
  return {
    kind: 's3',
    bucket: m[1],
    prefix: prefix === '' ? '' : `${prefix}/`,
    endpoint,
    region: str(env, 'S3_REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
  };
}

/**
 * The environment with a `.env` file of the working directory (or ENV_FILE) underneath: a variable
 * set in the real environment wins over the file. The file is parsed, never copied into
 * process.env, so this module stays the only reader of settings.
 */
export function environmentWithDotenv(env: Env = process.env): Env {
  const file = path.resolve(env.ENV_FILE ?? '.env');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (env.ENV_FILE !== undefined) throw new ConfigError(`ENV_FILE names ${file}, which cannot be read: ${(err as Error).message}`);
    return env;
  }
  return { ...parseDotenv(text), ...env };
}

/** Injection token for the loaded configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** For process entry points: the configuration, or a one-line message naming the bad variable and exit 1. */
export function loadConfigOrExit(env: Env = process.env): AppConfig {
  try {
    return loadConfig(environmentWithDotenv(env));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`Configuration error: ${err.message}`);
    process.exit(1);
  }
}
