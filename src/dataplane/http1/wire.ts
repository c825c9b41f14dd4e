// Bytes on the wire for the HTTP/1.1 fast path: request headers as node:http would present them, the request head
// undici would send upstream, and the response head node:http would write. Keeping these the same as the node:http
// path is what makes the two paths interchangeable (test/dataplane/http1-fuzz.test.ts compares them).
import { STATUS_CODES } from 'node:http';
import type { HeaderBag } from '../filters/header-modifier.ts';
import { connectionTokens, HOP_BY_HOP } from '../headers.ts';
import { hasInvalidHeaderChar, isToken } from './llhttp.ts';

/** Headers of which node:http keeps only the first copy (IncomingMessage#headers). */
const FIRST_WINS = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag',
  'last-modified', 'server', 'age', 'expires',
]);

/** The raw [name, value, …] list as node:http's `req.headers`: lower-case names, duplicates merged its way. */
export function headerObject(raw: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    const prior = out[name];
    if (prior === undefined) out[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'set-cookie') (prior as string[]).push(value);
    else if (FIRST_WINS.has(name)) continue;
    else out[name] = `${prior as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return out;
}

/** Methods for which undici sends `content-length: 0` when there is no body. */
const EXPECTS_PAYLOAD = new Set(['POST', 'PUT', 'PATCH', 'QUERY']);
/** undici refuses a path with bytes outside this range. */
const BAD_PATH = /[^\u0021-\u00ff]/;

/**
 * The request head for the upstream, or null when undici would refuse it (a route filter wrote a bad header name or
 * value, or a path with forbidden bytes): such a request goes the node:http way and gets its answer there.
 * `checked`: every name and value already passed the parser's strict checks (no filter edited them).
 */
export function upstreamHead(method: string, path: string, headers: HeaderBag, checked = false): string | null {
  if (!checked && BAD_PATH.test(path)) return null;
  const host = headers.host;
  if (typeof host !== 'string' || hasInvalidHeaderChar(host) || headers['content-length'] !== undefined) return null;
  const lines = headerLines(headers, checked, NOT_UPSTREAM);
  if (lines === null) return null;
  // undici closes after HEAD, for upstreams that wrongly send a body with it; so does the fast path (upstream-conn.ts).
  const connection = method === 'HEAD' ? 'close' : 'keep-alive';
  return `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: ${connection}\r\n${lines}${EXPECTS_PAYLOAD.has(method) ? 'content-length: 0\r\n' : ''}\r\n`;
}

const NOT_UPSTREAM = new Set(['host']);
const NOT_DOWNSTREAM = new Set(['connection', 'transfer-encoding']);

/** `name: value` lines (a line per value of a list), or null when a name or value is one node:http and undici refuse. */
function headerLines(headers: HeaderBag, checked: boolean, skip: ReadonlySet<string>): string | null {
  let out = '';
  for (const name in headers) {
    if (skip.has(name)) continue;
    if (!checked && !isToken(name)) return null;
    const value = headers[name];
    if (typeof value === 'string') {
      if (!checked && hasInvalidHeaderChar(value)) return null;
      out += `${name}: ${value}\r\n`;
    } else {
      for (const v of value) {
        if (!checked && hasInvalidHeaderChar(v)) return null;
        out += `${name}: ${v}\r\n`;
      }
    }
  }
  return out;
}

let cachedDate = '';
function httpDate(): string {
  if (cachedDate === '') {
    cachedDate = new Date().toUTCString();
    setTimeout(() => { cachedDate = ''; }, 1000 - new Date().getMilliseconds()).unref();
  }
  return cachedDate;
}

export type ResponseHead = { head: string; chunked: boolean };

/**
 * The status line and headers node:http's writeHead would send for `headers` (already stripped of hop-by-hop
 * headers and edited by the route): its reason phrase, Date, Connection/Keep-Alive, and chunked framing when no
 * Content-Length is given and a body follows. Null when a header is one node:http would refuse (ERR_INVALID_CHAR).
 */
export function responseHead(status: number, headers: HeaderBag, keepAlive: boolean, keepAliveSeconds: number, hasBody: boolean, checked = false): ResponseHead | null {
  const lines = headerLines(headers, checked, NOT_DOWNSTREAM);
  if (lines === null) return null;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n${lines}`;
  if (headers.date === undefined) head += `Date: ${httpDate()}\r\n`;
  head += keepAlive ? `Connection: keep-alive\r\nKeep-Alive: timeout=${keepAliveSeconds}\r\n` : 'Connection: close\r\n';
  const chunked = hasBody && headers['content-length'] === undefined;
  if (chunked) head += 'Transfer-Encoding: chunked\r\n';
  return { head: head + '\r\n', chunked };
}

/**
 * An upstream response's raw [name, value, …] headers as the node:http path makes them (undici's parseHeaders, then
 * stripHopByHop), in one pass: lower-case names, a repeated name as an array, hop-by-hop headers and those a single
 * Connection header names left out.
 */
export function responseHeaders(raw: readonly string[]): HeaderBag {
  let connection: string | undefined;
  let connections = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 10 && raw[i].toLowerCase() === 'connection') {
      connections++;
      connection = raw[i + 1];
    }
  }
  const named = connectionTokens(connections === 1 ? connection : undefined);
  const out: HeaderBag = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || (named.length > 0 && named.includes(name))) continue;
    const value = raw[i + 1];
    const prior = out[name];
    if (prior === undefined) out[name] = value;
    else if (typeof prior === 'string') out[name] = [prior, value];
    else prior.push(value);
  }
  return out;
}
