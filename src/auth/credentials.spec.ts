import * as fs from 'node:fs';
import * as path from 'node:path';
import { digestsEqual, generateSecret, hashPassword, normalizeBasicAuthorization, sha256, verifyPassword } from './credentials';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('credentials', () => {
  it('makes prefixed keys of 192 random bits', () => {
    const a = generateSecret('og');
    expect(a).toMatch(/^og_[A-Za-z0-9_-]{32}$/);
    expect(generateSecret('og')).not.toBe(a);
  });

  it('hashes passwords with a salt and verifies them', async () => {
    const h = await hashPassword('correct horse');
    expect(h).toMatch(/^scrypt\$/);
    expect(await hashPassword('correct horse')).not.toBe(h);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('wrong horse', h)).toBe(false);
  });

  it('normalizes the three Basic forms to key-as-username', () => {
    const want = `Basic ${b64('KEY:x')}`;
    expect(normalizeBasicAuthorization(`Basic ${b64('KEY:')}`)).toBe(want);
    expect(normalizeBasicAuthorization(`Basic ${b64('KEY')}`)).toBe(want);
    expect(normalizeBasicAuthorization(`Basic ${b64('KEY')}\n`)).toBe(want);
    expect(normalizeBasicAuthorization(`Basic ${b64('KEY\n')}`)).toBe(want);
    expect(normalizeBasicAuthorization('Bearer KEY')).toBe('Bearer KEY');
  });
});

describe('secret comparisons are constant-time (a review, as a test)', () => {
  const files = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [path.join(dir, e.name)] : [],
      );

  it('no key, token, secret or hash is compared with ===, !== or Buffer.equals anywhere in src/', () => {
    const offenders: string[] = [];
    // both sides come from the same request (registration's password and its confirmation): nothing stored is compared
    // and the key cache's eviction compares a key's public id (the id of DELETE /api/keys/:id), no secret
    const reviewed = new Set([
      'if (password !== confirmation) invalidConfirmation();',
      'for (const [digest, entry] of this.keyCache) if (entry.caller.apiKeyId === String(id)) this.keyCache.delete(digest);',
    ]);
    const risky = [
      /\b\w*(token|secret|hash|apiKey|api_key|password)\w*\s*[!=]==\s*(?!undefined\b|null\b|''|'string'|\d)\w/i,
      /\b\w*(token|secret|hash|key)\w*(\([^)]*\))?\.equals\(/i,
    ];
    for (const f of files(path.join(__dirname, '..'))) {
      fs.readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (risky.some((r) => r.test(line)) && !reviewed.has(line.trim())) offenders.push(`${path.relative(process.cwd(), f)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('digestsEqual compares digests of any length safely', () => {
    expect(digestsEqual(sha256('a'), sha256('a'))).toBe(true);
    expect(digestsEqual(sha256('a'), sha256('b'))).toBe(false);
    expect(digestsEqual(sha256('a'), Buffer.alloc(3))).toBe(false);
  });
});
