import type { Response } from 'express';

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' })[c]!);
}

/** The origin of an absolute http(s) URL, or undefined. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

export interface PolicyOptions {
  /** extra origins the page's forms may post to (the public URL of this server) */
  formAction?: string[];
  /** allow images from any https origin (a requester's datum may point anywhere) */
  httpsImages?: boolean;
  /** the page loads /work/app.js and calls the JSON API on its own origin */
  script?: boolean;
}

/**
 * A strict Content-Security-Policy: nothing inline, nothing from elsewhere, no framing, no
 * <base>, forms only to this server. Plus the usual companions (no sniffing, no referrer, no cache
 * of pages that may carry a token in their URL).
 */
export function contentSecurityPolicy(opts: PolicyOptions = {}): string {
  const extra = (list: string[] | undefined) => [...new Set((list ?? []).filter(Boolean))].join(' ');
  return [
    "default-src 'none'",
    opts.script ? "script-src 'self'" : "script-src 'none'",
    opts.script ? "connect-src 'self'" : null,
    "style-src 'self'",
    `img-src 'self' data:${opts.httpsImages ? ' https:' : ''} ${extra(opts.formAction)}`.trim(),
    `form-action 'self' ${extra(opts.formAction)}`.trim(),
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ]
    .filter(Boolean)
    .join('; ');
}

export function sendHtml(res: Response, status: number, html: string, policy: PolicyOptions = {}): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': contentSecurityPolicy(policy),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'no-store',
    })
    .send(html);
}

/**
 * The page frame every page shares: stylesheets and scripts from this server only, nothing inline.
 * `script: true` is the worker's /work script; `scripts`/`styles` name other files (the console's).
 */
export function layout(opts: { title: string; body: string; script?: boolean; scripts?: string[]; styles?: string[]; sub?: string; header?: string }): string {
  const styles = ['/work/assets/worker.css', ...(opts.styles ?? [])].map((href) => `<link rel="stylesheet" href="${esc(href)}">\n`).join('');
  const scripts = [...(opts.script ? ['/work/assets/work.js'] : []), ...(opts.scripts ?? [])]
    .map((src) => `<script src="${esc(src)}" defer></script>\n`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(opts.title)} · OpenGuilds</title>
${styles}${scripts}</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><span class="brand">OpenGuilds</span> <span class="sub">${esc(opts.sub ?? 'worker')}</span>${opts.header ?? ''}</header>
<main id="main" tabindex="-1">
${opts.body}
</main>
</body>
</html>
`;
}

/** A page that only says something (errors, "no more work"). */
export function messagePage(title: string, message: string, links: Array<{ href: string; text: string }> = []): string {
  const nav = links.length ? `<p class="actions">${links.map((l) => `<a class="button" href="${esc(l.href)}">${esc(l.text)}</a>`).join(' ')}</p>` : '';
  return layout({ title, body: `<h1>${esc(title)}</h1>\n<p>${esc(message)}</p>\n${nav}` });
}
