// Header hygiene between client and upstream: hop-by-hop headers stay on their own hop; X-Forwarded-* are set.
import type { HeaderBag } from './filters/header-modifier.ts';

export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
  // undici refuses `expect`; node:http has already answered any 100-continue.
  'expect',
]);

const NONE: readonly string[] = Object.freeze([]);
const PLAIN_CONNECTION = new Map<string, readonly string[]>([['keep-alive', NONE], ['close', Object.freeze(['close'])]]);

type AnyHeaders = Record<string, string | string[] | undefined>;

/** The header names a Connection header lists; none unless it came once (a repeated one arrives as an array). */
export function connectionTokens(value: string | string[] | undefined): readonly string[] {
  if (typeof value !== 'string') return NONE;
  // What nearly every peer sends: no list to split and build on every message.
  if (value.length <= 10) {
    const plain = PLAIN_CONNECTION.get(value.toLowerCase());
    if (plain !== undefined) return plain;
  }
  return value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

/** Copies end-to-end headers; also drops the headers the Connection header names. */
export function stripHopByHop(source: AnyHeaders): HeaderBag {
  const named = connectionTokens(source.connection);
  const out: HeaderBag = {};
  for (const name of Object.keys(source)) {
    if (HOP_BY_HOP.has(name) || (named.length > 0 && named.includes(name))) continue;
    const value = source[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * Removes, in place, hop-by-hop headers a route's filters put back (undici refuses connection, keep-alive,
 * transfer-encoding, upgrade and expect, which would fail every request on the route). Host stays: setting it is
 * how a route overrides the upstream Host.
 */
export function dropHopByHop(headers: HeaderBag): void {
  for (const name of HOP_BY_HOP) delete headers[name];
}

export type ClientRequest = {
  headers: AnyHeaders;
  /** The Host to send: the request-target's authority for absolute-form requests, else the Host header. */
  host: string | undefined;
  remoteAddress: string | undefined;
};

/** The headers to send upstream: end-to-end headers, Host as the client meant it, and X-Forwarded-*. */
export function upstreamHeaders(req: ClientRequest, scheme: 'http' | 'https'): HeaderBag {
  const out = stripHopByHop(req.headers);
  if (req.host !== undefined) out.host = req.host;
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; upstreams expect the plain IPv4 form.
  const remote = req.remoteAddress ?? '';
  const client = remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  out['x-forwarded-proto'] = scheme;
  if (req.host !== undefined) out['x-forwarded-host'] = req.host;
  return out;
}
