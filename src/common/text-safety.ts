import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ErrorDetail, invalid } from './errors';

/**
 * Text PostgreSQL cannot store: U+0000 (text and jsonb refuse it, 22021/22P05) and UTF-16
 * surrogates without their pair (they have no UTF-8 form). Code units, so no `u` flag.
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Keys that name Object.prototype's machinery: JSON.parse makes them own properties, but any
 * spread or assignment of the object drops or misreads them (a `__proto__` datum key was
 * silently lost), so they are refused wherever a key may appear.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The key as it may be echoed in a field name: what cannot be stored is written as an escape. */
function printable(key: string): string {
  // eslint-disable-next-line no-control-regex
  return key.replace(/\u0000|[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const k = printable(key);
  return path ? `${path}.${k}` : k;
}

/**
 * The first problems (at most a few) in a parsed body, query or form: every string and every key
 * is checked, at any depth. Iterative, so a deep body cannot overflow the stack.
 */
export function findUnsafeText(root: unknown, rootPath: string, max = 5): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const stack: Array<[unknown, string]> = [[root, rootPath]];
  while (stack.length > 0 && out.length < max) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v))
        out.push({ field: path || 'body', message: 'contains a character that cannot be stored (U+0000 or an unpaired UTF-16 surrogate)' });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], child(path, i)]);
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        if (UNSTORABLE.test(k))
          out.push({ field: child(path, k), message: 'is a key with a character that cannot be stored (U+0000 or an unpaired UTF-16 surrogate)' });
        else if (PROTOTYPE_KEYS.has(k)) out.push({ field: child(path, k), message: `is not allowed as a key (${k} is reserved)` });
        else stack.push([(v as Record<string, unknown>)[k], child(path, k)]);
      }
    }
  }
  return out;
}

/**
 * The one rule at the edge (API.md §1.2, issue 13): every body, query string, route parameter
 * and form field — JSON, urlencoded or multipart (multer has filled the body by the time pipes
 * run) — reaches no service while it holds text PostgreSQL cannot store or a prototype key.
 * A 422 naming the field. Runs before the DTO validation pipe.
 */
@Injectable()
export class TextSafetyPipe implements PipeTransform {
  transform(value: unknown, meta: ArgumentMetadata): unknown {
    if (meta.type === 'custom') return value;
    // a single named query/param (@Query('token')) is reported under its name
    const details = findUnsafeText(value, meta.data ?? '');
    if (details.length > 0) throw invalid(`${details[0].field} ${details[0].message}`, details);
    return value;
  }
}
