import { checkDestination, isForbiddenAddress, parseDestination, parseIPv6 } from './destination-policy';

describe('webhook destination policy', () => {
  it.each([
    '127.0.0.1',
    '127.255.255.254',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '100.127.255.255',
    '169.254.169.254',
    '169.254.0.1',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::',
    '::1',
    'fc00::1',
    'fd00:ec2::254',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:0:127.0.0.1',
    '::127.0.0.1',
    '64:ff9b::10.0.0.1',
    '2002:7f00:1::',
    '[::1]',
    'not-an-ip',
    '',
  ])('refuses %s', (a) => expect(isForbiddenAddress(a)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.253.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])('allows %s', (a) =>
    expect(isForbiddenAddress(a)).toBe(false),
  );

  it('parses IPv6 forms', () => {
    expect(parseIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('12345::')).toBeUndefined();
  });

  it('accepts only http(s) URLs', () => {
    expect(parseDestination('ftp://example.com')).toBe('must be an http(s) URL');
    expect(parseDestination('javascript:alert(1)')).toBe('must be an http(s) URL');
    expect(parseDestination('example.com')).toBe('must be an http(s) URL');
    expect(parseDestination('')).toBe('is required');
    expect(parseDestination(42)).toBe('is required');
    expect(parseDestination('https://example.com/hook')).toBeInstanceOf(URL);
  });

  it.each([
    'http://127.0.0.1:8080/x',
    'http://localhost/x',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0/',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]/',
    'https://10.0.0.5/',
    'http://[fe80::1]/',
  ])('refuses %s after normalising and resolving the host', async (url) => {
    expect(await checkDestination(url, false)).toMatch(/must not point to/);
    expect(await checkDestination(url, true)).toBeUndefined();
  });

  it('accepts a public literal address', async () => {
    expect(await checkDestination('https://8.8.8.8/hook', false)).toBeUndefined();
  });
});
