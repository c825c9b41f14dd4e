// Address helpers every layer needs (the data plane included, which may import only ir/): one place for the
// IPv6 bracket rule and for "does this address reach this host".
import { BlockList, isIP } from 'node:net';

/** `host` as it goes before `:port` in a URL or authority: an IPv6 literal is bracketed (RFC 3986 §3.2.2). */
export function bracketHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `host:port`, `[v6]:port` for IPv6 literals. */
export function formatHostPort(host: string, port: number | string): string {
  return `${bracketHost(host)}:${port}`;
}

// BlockList parses the address, so every spelling counts (0:0:0:0:0:0:0:1, ::ffff:7f00:1), and it checks
// IPv4-mapped IPv6 addresses against the IPv4 rules.
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const unspecified = new BlockList();
unspecified.addAddress('0.0.0.0', 'ipv4');
unspecified.addAddress('::', 'ipv6');

function family(address: string): 'ipv4' | 'ipv6' | null {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

/** True for an IP literal in 127.0.0.0/8 or ::1, in any spelling. Not an IP literal (127.1, a DNS name): false. */
export function isLoopbackAddress(address: string): boolean {
  const f = family(address);
  return f !== null && loopback.check(address, f);
}

/**
 * True when connecting to `address` may reach this host: loopback, or the unspecified address (0.0.0.0, ::), which
 * connects to this host. A non-IP literal (127.1, a DNS name) counts too: its target is only known once resolved.
 */
export function mayReachThisHost(address: string): boolean {
  const f = family(address);
  if (f === null) return true;
  return loopback.check(address, f) || unspecified.check(address, f);
}
