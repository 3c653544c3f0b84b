import { AppConfig } from '../config/config';

export interface StartupFacts {
  config: AppConfig;
  /** where this process listens, as a person would open it */
  url: string;
  /** set when this process started an embedded PostgreSQL */
  embedded?: { dir: string; port: number };
  /** set when this process started the local Stripe mock */
  stripeMockUrl?: string;
}

export interface StartupLine {
  level: 'info' | 'warn';
  msg: string;
}

/**
 * The few lines a newcomer reads at `npm start`: where it listens, which database, whether real
 * money moves, where mail and files go, where the docs are. No secrets: a DATABASE_URL is shown
 * without its user and password.
 */
export function startupSummary(f: StartupFacts): StartupLine[] {
  const c = f.config;
  const lines: StartupLine[] = [{ level: 'info', msg: `OpenGuilds is listening on ${f.url} (${c.mode}, Node ${process.version})` }];
  lines.push({
    level: 'info',
    msg: f.embedded
      ? `  database  embedded PostgreSQL in ${f.embedded.dir}, port ${f.embedded.port} (set DATABASE_URL to use your own)`
      : `  database  PostgreSQL at ${describeDatabase(c.databaseUrl)}`,
  });
  if (f.stripeMockUrl || c.stripeSecretKey === 'sk_test_openguilds_local_mock') {
    lines.push({
      level: 'warn',
      msg: `  payments  TEST MODE: no STRIPE_SECRET_KEY, so no real money moves; card charges go to a local Stripe mock${f.stripeMockUrl ? ` at ${f.stripeMockUrl}` : ''}`,
    });
  } else if (c.stripeSecretKey?.startsWith('sk_live') || c.stripeSecretKey?.startsWith('rk_live')) {
    lines.push({ level: 'info', msg: '  payments  LIVE Stripe key: real cards are charged' });
  } else {
    lines.push({ level: 'info', msg: `  payments  Stripe test key${c.stripeApiUrl ? ` against ${c.stripeApiUrl}` : ''}: no real money moves` });
  }
  lines.push({
    level: 'info',
    msg: c.smtpUrl
      ? `  mail      invites sent through ${describeSmtp(c.smtpUrl)}`
      : '  mail      no SMTP_URL: invite links are written to this log instead of mailed',
  });
  const fs = c.fileStorage;
  lines.push({
    level: 'info',
    msg: fs.kind === 'file' ? `  files     ${fs.dir}` : `  files     s3://${fs.bucket}/${fs.prefix}${fs.endpoint ? ` at ${fs.endpoint}` : ''}`,
  });
  lines.push({ level: 'info', msg: `  docs      ${c.publicUrl}/api/docs  (OpenAPI ${c.publicUrl}/api/openapi.json, metrics ${c.publicUrl}/metrics)` });
  if (c.publicUrl !== f.url && !c.publicUrl.startsWith('http://localhost:')) lines.push({ level: 'info', msg: `  public    ${c.publicUrl} (PUBLIC_URL)` });
  return lines;
}

function describeDatabase(url: string | undefined): string {
  if (!url) return '(none)';
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

function describeSmtp(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return 'SMTP_URL';
  }
}
