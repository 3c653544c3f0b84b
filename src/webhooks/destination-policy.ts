import * as dns from 'node:dns';
import { isIP } from 'node:net';

/**
 * Where a webhook may be sent. A destination is an http(s) URL whose host — after DNS resolution —
 * is a public unicast address. Refused (unless WEBHOOK_ALLOW_PRIVATE): loopback, RFC1918 private,
 * CGNAT (100.64/10), link-local (169.254/16, fe80::/10, which holds the cloud metadata address
 * 169.254.169.254), ULA (fc00::/7, which holds fd00:ec2::254), unspecified (0.0.0.0, ::), multicast,
 * broadcast and reserved ranges, and every IPv6 form that embeds one of those IPv4 addresses
 * (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16).
 *
 * The check runs at creation (validateDestinations) and again at every delivery attempt, inside
 * the socket's own DNS lookup (safeLookup): the address that was checked is the address connected
 * to, so a DNS answer that changes between check and connect (DNS rebinding) cannot slip through.
 */

/** [first address as a 32-bit number, prefix length] */
const V4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network", includes the unspecified 0.0.0.0
  ['10.0.0.0', 8], // RFC1918
  ['100.64.0.0', 10], // CGNAT (RFC6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // RFC1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // RFC1918
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes broadcast 255.255.255.255
];

function v4ToInt(a: string): number {
  return a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

const V4_RANGES = V4_BLOCKED.map(([base, prefix]) => {
  const size = 2 ** (32 - prefix);
  const start = v4ToInt(base);
  return { start, end: start + size - 1 };
});

function v4Forbidden(n: number): boolean {
  return V4_RANGES.some((r) => n >= r.start && n <= r.end);
}

/** Parses an IPv6 literal (no brackets, no zone) into 8 16-bit groups; undefined when malformed. */
export function parseIPv6(addr: string): number[] | undefined {
  let s = addr.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    // an embedded dotted IPv4 tail becomes two hex groups
    if (isIP(last) !== 4) return undefined;
    const n = v4ToInt(last);
    s = `${s.slice(0, lastColon + 1)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  if (halves.length === 1) return head.length === 8 && !head.some(Number.isNaN) ? head : undefined;
  const rest = parse(halves[1]);
  const fill = 8 - head.length - rest.length;
  if (fill < 1) return undefined;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  return groups.some(Number.isNaN) ? undefined : groups;
}

function v6Forbidden(g: number[]): boolean {
  const embeddedV4 = (hi: number, lo: number) => v4Forbidden(hi * 65536 + lo);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return true; // :: unspecified
  if (zeros(0, 7) && g[7] === 1) return true; // ::1 loopback
  if (zeros(0, 5) && g[5] === 0xffff) return embeddedV4(g[6], g[7]); // ::ffff:a.b.c.d IPv4-mapped = that IPv4 address
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embeddedV4(g[6], g[7]); // ::ffff:0:a.b.c.d IPv4-translated
  if (zeros(0, 6)) return true; // ::a.b.c.d IPv4-compatible (deprecated): refused
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embeddedV4(g[6], g[7]); // NAT64
  if (g[0] === 0x2002) return embeddedV4(g[1], g[2]); // 6to4
  if ((g[0] & 0xfe00) === 0xfc00) return true; // fc00::/7 ULA (fd00:ec2::254 metadata)
  if ((g[0] & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g[0] & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return true; // documentation
  if (g[0] === 0x0100 && zeros(1, 4)) return true; // 100::/64 discard
  return false;
}

/**
 * True when the address must not be a webhook destination. Anything that does not parse as an IP
 * address is refused too (fail closed).
 */
export function isForbiddenAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  const kind = isIP(a);
  if (kind === 4) return v4Forbidden(v4ToInt(a));
  if (kind === 6) {
    const g = parseIPv6(a);
    return g === undefined ? true : v6Forbidden(g);
  }
  return true;
}

export type DestinationProblem = { message: string } | undefined;

const MAX_URL = 2048;

/** Syntax only: an absolute http(s) URL with a host, no fragment games. Returns the parsed URL. */
export function parseDestination(raw: unknown): URL | string {
  if (typeof raw !== 'string' || raw.trim() === '') return 'is required';
  if (raw.length > MAX_URL) return `is too long (maximum is ${MAX_URL} characters)`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (!url.hostname) return 'must be an http(s) URL';
  return url;
}

export const PRIVATE_MESSAGE = 'must not point to a loopback, private, link-local or otherwise reserved address';

/** Host of a parsed URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Full check of a destination as done at creation: syntax, then (unless private destinations are
 * allowed) the literal address or every address the name resolves to. Returns an error message or
 * undefined when acceptable.
 */
export async function checkDestination(raw: unknown, allowPrivate: boolean): Promise<string | undefined> {
  const parsed = parseDestination(raw);
  if (typeof parsed === 'string') return parsed;
  if (allowPrivate) return undefined;
  const host = hostOf(parsed);
  if (isIP(host)) return isForbiddenAddress(host) ? PRIVATE_MESSAGE : undefined;
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch {
    return 'host could not be resolved';
  }
  if (addresses.length === 0) return 'host could not be resolved';
  return addresses.some((a) => isForbiddenAddress(a.address)) ? PRIVATE_MESSAGE : undefined;
}

export class ForbiddenDestinationError extends Error {
  readonly code = 'EFORBIDDENADDRESS';
  constructor() {
    super(`destination ${PRIVATE_MESSAGE}`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address?: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request / got's `dnsLookup`: resolves the name, refuses the connection
 * when any answer is forbidden, and otherwise hands the socket exactly the checked addresses.
 * Handles both call shapes Node uses (`all: true` for happy-eyeballs, single address otherwise).
 */
export function safeLookup(hostname: string, options: dns.LookupOptions | LookupCallback, callback?: LookupCallback): void {
  const opts: dns.LookupOptions = typeof options === 'function' ? {} : options;
  const cb = (typeof options === 'function' ? options : callback)!;
  dns.lookup(hostname, { all: true, verbatim: true, family: opts.family, hints: opts.hints }, (err, addresses) => {
    if (err) return cb(err);
    if (addresses.length === 0) return cb(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
    if (addresses.some((a) => isForbiddenAddress(a.address))) return cb(new ForbiddenDestinationError());
    if (opts.all) return cb(null, addresses);
    cb(null, addresses[0].address, addresses[0].family);
  });
}
