// echo-basic's handlers and its ServeMux routing, protocol-independent: each request becomes an Outcome
// that the HTTP/1.1 or HTTP/2 front end turns into bytes on the wire.
import { cleanPath, parseGoDuration } from './go-compat.ts';
import { echoReply, errorReply, textReply, type EchoRequest, type Reply } from './echo-request.ts';
import type { Pod } from './types.ts';

export type Outcome =
  | { kind: 'reply'; reply: Reply; close?: boolean }
  /** Hijack and close with SO_LINGER 0: the client sees a TCP RST. */
  | { kind: 'reset' }
  /** A handler panic in Go: the connection (HTTP/1) or stream (HTTP/2) is dropped without an answer. */
  | { kind: 'abort' }
  /** `/ws`: the HTTP/1 front end runs the WebSocket handshake on the raw socket. */
  | { kind: 'websocket' }
  /** A request target Go cannot parse: its server answers a bare 400 and closes. */
  | { kind: 'bad-request' }
  /** WriteHeader(1xx): an informational response, then the implicit 200 when the handler returns. */
  | { kind: 'informational'; status: number };

/** Per-pod state, like echo-basic's per-process globals. */
export type EchoState = { attempts: Map<string, number>; retryLock: Promise<void> };

export function newEchoState(): EchoState {
  return { attempts: new Map(), retryLock: Promise.resolve() };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Splits the request target into Go's decoded URL.Path and raw query; undefined when Go would answer 400. */
export function splitTarget(requestUri: string): { path: string; rawQuery: string } | undefined {
  let target = requestUri;
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?]*/.exec(target);
  if (abs) target = target.slice(abs[0].length);
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  const path = unescape(rawPath);
  return path === undefined ? undefined : { path, rawQuery };
}

/** Go's percent-decoding: any byte may be escaped; a malformed escape is an error (undefined). */
function unescape(s: string, plusIsSpace = false): string | undefined {
  if (!s.includes('%') && !(plusIsSpace && s.includes('+'))) return s;
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(plusIsSpace && b === 0x2b ? 0x20 : b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** url.ParseQuery as Go ≥ 1.17 does it (pairs with `;` or bad escapes are skipped), first value of `key`. */
export function queryGet(rawQuery: string, key: string): string {
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const k = unescape(eq < 0 ? pair : pair.slice(0, eq), true);
    const v = unescape(eq < 0 ? '' : pair.slice(eq + 1), true);
    if (k === key && v !== undefined) return v;
  }
  return '';
}

/** strconv.Atoi: optional sign, decimal digits only. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) && Math.abs(Number(s)) <= Number.MAX_SAFE_INTEGER ? Number(s) : undefined;
}

async function delay(rawQuery: string, key: string): Promise<Reply | undefined> {
  const d = queryGet(rawQuery, key);
  if (d === '') return undefined;
  try {
    const ms = parseGoDuration(d);
    if (ms > 0) await sleep(ms);
    return undefined;
  } catch (err) {
    return errorReply((err as Error).message);
  }
}

/** The echo handler: log line first, then `?delay=`, then the JSON echo. */
export async function serveEcho(pod: Pod, req: EchoRequest): Promise<Outcome> {
  pod.log(`Echoing back request made to ${req.requestUri} to client (${req.remoteAddr})`);
  const failed = await delay(splitTarget(req.requestUri)?.rawQuery ?? '', 'delay');
  return { kind: 'reply', reply: failed ?? echoReply(pod, req) };
}

function statusOutcome(code: number): Outcome {
  // Go panics on WriteHeader(<100); informational codes are sent ahead of an implicit 200.
  if (code < 100 || code > 999) return { kind: 'abort' };
  if (code < 200 && code !== 101) return { kind: 'informational', status: code };
  return { kind: 'reply', reply: { status: code, headers: [], body: '' } };
}

async function serveRetry(pod: Pod, state: EchoState, req: EchoRequest, rawQuery: string, canHijack: boolean): Promise<Outcome> {
  const uuid = queryGet(rawQuery, 'uuid');
  if (uuid === '') return { kind: 'reply', reply: textReply(400, 'uuid is required') };
  const succeedAfter = atoi(queryGet(rawQuery, 'succeedAfter'));
  if (succeedAfter === undefined) return { kind: 'reply', reply: textReply(400, 'succeedAfter is required') };
  const responseCode = atoi(queryGet(rawQuery, 'responseCode'));

  // echo-basic holds one mutex across the whole attempt, delays included.
  let release!: () => void;
  const previous = state.retryLock;
  state.retryLock = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    const attempts = state.attempts.get(uuid) ?? 0;
    if (attempts >= succeedAfter) return await serveEcho(pod, req);
    state.attempts.set(uuid, attempts + 1);
    const failed = await delay(rawQuery, 'delayRetry');
    if (failed) return { kind: 'reply', reply: failed };
    if (responseCode !== undefined) return statusOutcome(responseCode);
    if (!canHijack) return { kind: 'reply', reply: errorReply('response writer does not support hijacking') };
    return { kind: 'reset' };
  } finally {
    release();
  }
}

function escapePath(p: string): string {
  return Array.from(Buffer.from(p, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

/** http.Redirect with 301, as ServeMux answers non-canonical paths. */
function redirect(method: string, path: string, rawQuery: string): Outcome {
  const location = escapePath(path) + (rawQuery === '' ? '' : '?' + rawQuery);
  const headers: [string, string][] = [['Location', location]];
  if (method === 'GET' || method === 'HEAD') headers.push(['Content-Type', 'text/html; charset=utf-8']);
  const html = location.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&#34;').replaceAll("'", '&#39;');
  const body = method === 'GET' ? `<a href="${html}">Moved Permanently</a>.\n\n` : '';
  return { kind: 'reply', reply: { status: 301, headers, body } };
}

/** echo-basic's main mux behind preserveSlashes (`//` → `/` for routing only). */
export async function serveMux(pod: Pod, state: EchoState, req: EchoRequest, canHijack: boolean): Promise<Outcome> {
  const target = splitTarget(req.requestUri);
  if (!target) return { kind: 'bad-request' };
  // net/http answers `OPTIONS *` itself, before any handler.
  if (req.requestUri === '*' && req.method === 'OPTIONS') return { kind: 'reply', reply: { status: 200, headers: [], body: '' } };
  const path = target.path.replaceAll('//', '/');
  if (req.method !== 'CONNECT') {
    const clean = cleanPath(path);
    if (clean !== path) return redirect(req.method, clean, target.rawQuery);
    if (path === '/status' || path === '/retry') return redirect(req.method, path + '/', target.rawQuery);
  }
  if (path === '/health') return { kind: 'reply', reply: textReply(200, 'OK') };
  if (path === '/ws') return canHijack ? { kind: 'websocket' } : { kind: 'abort' };
  if (path.startsWith('/status/')) {
    const m = /^\/status\/(\d\d\d)$/.exec(req.requestUri);
    return statusOutcome(m ? Number(m[1]) : 400);
  }
  if (path.startsWith('/retry/')) return serveRetry(pod, state, req, target.rawQuery, canHijack);
  return serveEcho(pod, req);
}

/** The h2c port's only handler: HTTP/2, or HTTP/1 asking for `Upgrade: h2c`, else 400. */
export async function serveH2c(pod: Pod, req: EchoRequest): Promise<Outcome> {
  // Go's servers reject an unparsable request target before any handler runs.
  if (!splitTarget(req.requestUri)) return { kind: 'bad-request' };
  if (req.proto !== 'HTTP/2.0' && req.headers.get('Upgrade')?.[0] !== 'h2c') {
    return { kind: 'reply', reply: textReply(400, 'Expected h2c request') };
  }
  return serveEcho(pod, req);
}

/** Whether the main mux would hand this request target to the WebSocket handler. */
export function isWebSocketRoute(requestUri: string): boolean {
  return splitTarget(requestUri)?.path.replaceAll('//', '/') === '/ws';
}
