// Header hygiene between client and upstream: hop-by-hop headers stay on their own hop; X-Forwarded-* are set.
import type { IncomingMessage } from 'node:http';
import type { HeaderBag } from './filters/header-modifier.ts';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
  // undici refuses `expect`; node:http has already answered any 100-continue.
  'expect',
]);

function connectionTokens(value: string | string[] | number | undefined): string[] {
  if (typeof value !== 'string') return [];
  return value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '');
}

/** Copies end-to-end headers; also drops the headers the Connection header names. */
export function stripHopByHop(source: HeaderBag): HeaderBag {
  const named = connectionTokens(source.connection);
  const out: HeaderBag = {};
  for (const name of Object.keys(source)) {
    if (HOP_BY_HOP.has(name) || (named.length > 0 && named.includes(name))) continue;
    const value = source[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The headers to send upstream: end-to-end headers, Host as the client sent it, and X-Forwarded-*. */
export function upstreamHeaders(req: IncomingMessage, scheme: 'http' | 'https'): HeaderBag {
  const out = stripHopByHop(req.headers);
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; upstreams expect the plain IPv4 form.
  const remote = req.socket.remoteAddress ?? '';
  const client = remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  out['x-forwarded-proto'] = scheme;
  if (req.headers.host !== undefined) out['x-forwarded-host'] = req.headers.host;
  return out;
}
