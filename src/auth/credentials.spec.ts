import { generateSecret, hashPassword, normalizeBasicAuthorization, verifyPassword } from './credentials';

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
