import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export interface UrlGuardOptions {
  allowLoopback: boolean;
  allowPrivate: boolean;
}

export type AddressClass = 'public' | 'loopback' | 'private';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

// Private, shared, link-local, unspecified, multicast and reserved ranges: never a public receiver.
const nonPublic = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) nonPublic.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) nonPublic.addSubnet(net, bits, 'ipv6');

/** Classifies an IP literal; IPv4-mapped IPv6 addresses are judged as their IPv4 address. */
export function classifyAddress(address: string): AddressClass {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (loopback.check(ip, family)) return 'loopback';
  if (nonPublic.check(ip, family)) return 'private';
  return 'public';
}

export class UrlGuard {
  constructor(private readonly opts: UrlGuardOptions) {}

  allows(address: string): boolean {
    const cls = classifyAddress(address);
    return cls === 'public' || (cls === 'loopback' && this.opts.allowLoopback) || (cls === 'private' && this.opts.allowPrivate);
  }

  /**
   * Why a URL is refused at registration, or null. Names are checked when they resolve at send time
   * (see {@link lookup}), so a name that later points inside the network is still refused.
   */
  refusal(raw: string): string | null {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'not a valid URL';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'only http and https URLs are allowed';
    if (url.username || url.password) return 'credentials in the URL are not allowed';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return this.allows(host) ? null : `address ${host} is not allowed`;
    if (/^localhost$|\.localhost$/i.test(host) && !this.opts.allowLoopback) return 'loopback hosts are not allowed';
    return null;
  }

  /** A `lookup` for http.request that refuses resolved addresses the configuration does not allow. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => this.allows(a.address));
      if (allowed.length === 0) {
        const refused = Object.assign(new Error(`address of ${hostname} is not allowed`), { code: 'EADDRNOTALLOWED' });
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
