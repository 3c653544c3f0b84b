import type { NextFunction, Request, Response } from 'express';

/**
 * URL aliases: the paths that the OpenGuilds documentation and the published Ruby clients use
 * for a canonical route. This table is the one place aliases live (docs/compat.md lists it);
 * controllers declare only canonical paths.
 *
 * Pattern syntax, matched segment by segment against the request path:
 * - a literal segment matches itself (case-sensitive, like the routes);
 * - `:name` matches one segment of decimal digits (every alias parameter is an id);
 * - a final `*` matches the rest of the path (zero or more segments) and is copied to `to`.
 * The first matching rule wins, so a specific rule must come before a wildcard that covers it.
 * A rewrite is applied once (an alias never points at another alias).
 */
export interface AliasRule {
  from: string;
  to: string;
  /** where the alias comes from, for docs/compat.md */
  source: string;
}

export const ALIASES: readonly AliasRule[] = [
  // The docs' "Create a Batch" curl example: singular guild and singular batch.
  { from: '/api/guild/:gid/batch', to: '/api/guilds/:gid/batches', source: 'docs: Create a Batch (curl)' },
  // Any other singular guild path: open-guilds ≤ 0.0.9 `Batch.create` posts to /guild/:id/batches;
  // the docs write /api/guild/:id/members….
  { from: '/api/guild/*', to: '/api/guilds/*', source: 'docs; open-guilds ≤ 0.0.9 and the openguilds gem (Batch.create)' },
  // The docs' "HTTP Request" line of Create a Batch: `POST /api/<GUILD_ID>/batches` (guilds/ left out).
  { from: '/api/:gid/batches', to: '/api/guilds/:gid/batches', source: 'docs: Create a Batch (HTTP Request)' },
  { from: '/api/guilds/:gid/batch', to: '/api/guilds/:gid/batches', source: 'singular of the canonical create' },
  // Singular wallet: the docs' GET /api/wallet/:id, and the List urls the old server rendered (api/wallet/2/transactions).
  { from: '/api/wallet/*', to: '/api/wallets/*', source: 'docs: GET /api/wallet/:id; old List urls' },
  // The old List urls of nested data and webhooks (api/batch/1/data).
  { from: '/api/batch/*', to: '/api/batches/*', source: 'old List urls (api/batch/:id/data)' },
  // The docs' "HTTP Request" lines of Get and Cancel a Batch leave /api out: /batches/<ID>.
  { from: '/batches/*', to: '/api/batches/*', source: 'docs: Get / Cancel a Batch (HTTP Request)' },
];

interface CompiledRule extends AliasRule {
  segments: string[];
  rest: boolean;
}

const DIGITS = /^\d+$/;

function compile(rule: AliasRule): CompiledRule {
  const segments = rule.from.split('/').slice(1);
  const rest = segments[segments.length - 1] === '*';
  return { ...rule, segments: rest ? segments.slice(0, -1) : segments, rest };
}

const COMPILED = ALIASES.map(compile);

/** The canonical path for `path` (no query string), or undefined when it is not an alias. */
export function canonicalPath(path: string, rules: readonly AliasRule[] = ALIASES): string | undefined {
  const compiled = rules === ALIASES ? COMPILED : rules.map(compile);
  // a trailing slash is ignored, as the router does
  const parts = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/').slice(1);
  for (const rule of compiled) {
    if (rule.rest ? parts.length < rule.segments.length : parts.length !== rule.segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < rule.segments.length && ok; i++) {
      const seg = rule.segments[i];
      if (seg.startsWith(':')) {
        if (DIGITS.test(parts[i])) params[seg] = parts[i];
        else ok = false;
      } else if (seg !== parts[i]) ok = false;
    }
    if (!ok) continue;
    let out = rule.to.replace(/:[a-z]+/g, (name) => params[name] ?? name);
    if (rule.rest) {
      const tail = parts.slice(rule.segments.length).join('/');
      out = out.endsWith('/*') ? out.slice(0, -2) + (tail ? `/${tail}` : '') : out;
    }
    return out;
  }
  return undefined;
}

/**
 * Express middleware, installed before everything else that looks at the path (body parsers,
 * guards, routing): rewrites an alias to its canonical path, keeping the query string.
 * `req.originalUrl` keeps what the client sent, for the request log.
 */
export function compatAliases(req: Request, _res: Response, next: NextFunction): void {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const canonical = canonicalPath(path);
  if (canonical !== undefined) req.url = canonical + (q === -1 ? '' : req.url.slice(q));
  next();
}
