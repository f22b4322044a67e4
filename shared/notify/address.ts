import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a notification may not go unless the operator allows it (HOOKBOOK_NOTIFY_ALLOW_PRIVATE):
 * loopback, link-local (the cloud metadata address 169.254.169.254 among them), private and shared
 * ranges, "this network", multicast and reserved space; for IPv6 the same kinds, and IPv4 mapped
 * into IPv6 by the IPv4 address it maps.
 */
const blocked = new BlockList();
const V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
  ['64:ff9b:1::', 48, 'local-use translation'],
];
for (const [a, p] of V4) blocked.addSubnet(a, p, 'ipv4');
for (const [a, p] of V6) blocked.addSubnet(a, p, 'ipv6');

function ipv4Of(address: string): string | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1];
}

/** Why `address` (an IP) is refused, or undefined when it is a public address. */
export function refusedRange(address: string): string | undefined {
  const mapped = ipv4Of(address);
  if (mapped) return refusedRange(mapped);
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (!blocked.check(address, type)) return undefined;
  const table = family === 4 ? V4 : V6;
  for (const [a, p, why] of table) {
    const one = new BlockList();
    one.addSubnet(a, p, type);
    if (one.check(address, type)) return why;
  }
  return 'reserved';
}

export class RefusedAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`refused: ${host} resolves to ${address} (${range}); set HOOKBOOK_NOTIFY_ALLOW_PRIVATE=true to allow it`);
    this.name = 'RefusedAddressError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves as usual, then refuses the connection when any address is
 * in a refused range, so the check holds for the very address connected to (no second resolution
 * an attacker's DNS could answer differently).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true } as never, (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => {
      if (error) return callback(error, options.all ? [] : '', 4);
      if (!allowPrivate) {
        for (const a of addresses) {
          const range = refusedRange(a.address);
          if (range)
            return callback(new RefusedAddressError(hostname, a.address, range) as NodeJS.ErrnoException, options.all ? [] : '', 4);
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
      callback(null, first.address, first.family);
    });
  };
}

/** A host given as an IP literal (no lookup happens for it): refused the same way. */
export function refusedLiteral(hostname: string, allowPrivate: boolean): RefusedAddressError | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (allowPrivate || isIP(bare) === 0) return undefined;
  const range = refusedRange(bare);
  return range ? new RefusedAddressError(hostname, bare, range) : undefined;
}
