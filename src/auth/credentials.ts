import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/** 192 random bits, URL-safe, with a prefix so a leaked key is recognisable in a scanner. */
export function generateSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/**
 * Keys and tokens are stored as SHA-256 only. A fast hash is right here (unlike passwords): the
 * input is 192 random bits, so there is nothing to brute-force, and a lookup by hash never
 * compares secret bytes in a timing-sensitive way.
 */
export function sha256(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of two digests (false for different lengths, where timingSafeEqual throws). */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// scrypt with N=2^15, r=8, p=1: ~50 ms and 32 MiB per hash on these machines (OWASP's minimum is N=2^17 with
// r=8 for interactive logins done rarely; registration and nothing else hashes here).
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(expected, actual);
}

/**
 * passport-http's Basic strategy fails a request whose password is empty, but `curl -u KEY:`
 * sends exactly that; the password is never checked, so a fixed placeholder stands in for it.
 */
const IGNORED_PASSWORD = 'x';

/**
 * Rewrites every accepted Basic form — `base64(KEY:)`, `base64(KEY:anything)`, and the Ruby
 * client's `base64(KEY)` with no colon, sometimes with a trailing newline — to one canonical
 * `base64(KEY:x)`, so passport-http reads the key as the username. Other schemes pass unchanged.
 */
export function normalizeBasicAuthorization(header: string | undefined): string | undefined {
  if (!header) return header;
  const m = /^\s*Basic\s+([A-Za-z0-9+/=\s]+?)\s*$/i.exec(header);
  if (!m) return header;
  const decoded = Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('utf8');
  const key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  return `Basic ${Buffer.from(`${key.trim()}:${IGNORED_PASSWORD}`, 'utf8').toString('base64')}`;
}

/** The API key carried by an Authorization header of any accepted form, or undefined. */
export function apiKeyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = normalizeBasicAuthorization(header);
  if (!basic || !/^Basic /.test(basic)) return undefined;
  const decoded = Buffer.from(basic.slice(6), 'base64').toString('utf8');
  return decoded.slice(0, decoded.indexOf(':')) || undefined;
}
