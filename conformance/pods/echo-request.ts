// One HTTP request as echo-basic's handlers see it (Go's *http.Request), whichever protocol carried it,
// and the JSON body the echo handler answers with.
import { canonicalHeaderKey, goJson, bytesAsGoString, isHeaderName, type GoJson } from './go-compat.ts';
import type { Pod } from './types.ts';

export type TlsAssertions = {
  version: string;
  peerCertificates: string[];
  serverName: string;
  negotiatedProtocol: string;
  cipherSuite: string;
};

export type EchoRequest = {
  /** The raw request target (`r.RequestURI`): path and query exactly as received. */
  requestUri: string;
  /** `r.Host`: the Host header or `:authority`, port included. */
  host: string;
  method: string;
  proto: string;
  /** `r.Header`: canonical names, values in arrival order; Host excluded. */
  headers: Map<string, string[]>;
  /** `ip:port` of the peer. */
  remoteAddr: string;
  tls?: TlsAssertions;
};

/** A complete answer; headers keep their exact spelling and order (Go writes map keys as set). */
export type Reply = { status: number; headers: [string, string][]; body: string };

/** Builds `r.Header` from Node's flat raw header list (HTTP/1 or HTTP/2), as Go's servers would. */
export function goHeaders(raw: readonly string[], http2: boolean): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(':')) continue;
    const key = canonicalHeaderKey(name);
    if (key === 'Host') continue;
    const list = headers.get(key);
    const value = bytesAsGoString(raw[i + 1]!);
    if (list) list.push(value);
    else headers.set(key, [value]);
  }
  if (http2) {
    // Go's HTTP/2 server merges Cookie fields into one `; `-joined value.
    const cookies = headers.get('Cookie');
    if (cookies && cookies.length > 1) headers.set('Cookie', [cookies.join('; ')]);
  } else if (headers.has('Transfer-Encoding')) {
    // Go moves Transfer-Encoding out of r.Header, and a chunked body makes Content-Length meaningless.
    headers.delete('Transfer-Encoding');
    headers.delete('Content-Length');
  }
  return headers;
}

function envOr(pod: Pod, name: string, fallback: string): string {
  const v = pod.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function httpPortOf(pod: Pod): string {
  return envOr(pod, 'HTTP_PORT', '3000');
}

/** The indented JSON body of echo-basic's echo handler (RequestAssertions). */
export function echoBody(pod: Pod, req: EchoRequest): string {
  const headers = [...req.headers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const entries: [string, GoJson][] = [
    ['path', bytesAsGoString(req.requestUri)],
    ['host', bytesAsGoString(req.host)],
    ['method', req.method],
    ['proto', req.proto],
    ['headers', { entries: headers }],
    ['httpPort', httpPortOf(pod)],
    ['namespace', pod.env.NAMESPACE ?? ''],
    ['ingress', pod.env.INGRESS_NAME ?? ''],
    ['service', pod.env.SERVICE_NAME ?? ''],
    ['pod', pod.env.POD_NAME ?? ''],
  ];
  if (req.tls) {
    const t = req.tls;
    const tls: [string, GoJson][] = [['version', t.version]];
    if (t.peerCertificates.length > 0) tls.push(['peerCertificates', t.peerCertificates]);
    tls.push(['serverName', t.serverName]);
    if (t.negotiatedProtocol !== '') tls.push(['negotiatedProtocol', t.negotiatedProtocol]);
    tls.push(['cipherSuite', t.cipherSuite]);
    entries.push(['tls', { entries: tls }]);
  }
  return goJson({ entries }, ' ');
}

/**
 * Response headers asked for with `X-Echo-Set-Header: Name:Value,Other:Value`. Repeated names are joined
 * with `,`; names Go would refuse to write (empty, or not a token) are dropped.
 */
export function echoSetHeaders(req: EchoRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const list of req.headers.get('X-Echo-Set-Header') ?? []) {
    for (const item of list.split(',')) {
      const kv = item.trim();
      const colon = kv.indexOf(':');
      const name = colon < 0 ? kv : kv.slice(0, colon);
      const value = colon < 0 ? '' : kv.slice(colon + 1);
      const prev = out.get(name);
      out.set(name, prev === undefined ? value : `${prev},${value.trim()}`);
    }
  }
  for (const [name, value] of out) {
    // Go trims values when it writes them.
    if (isHeaderName(name)) out.set(name, value.trim());
    else out.delete(name);
  }
  return out;
}

/** The echo handler's answer, once any `?delay=` has passed. */
export function echoReply(pod: Pod, req: EchoRequest): Reply {
  const headers: [string, string][] = [];
  for (const [name, value] of echoSetHeaders(req)) {
    // Go sets Content-Type/X-Content-Type-Options afterwards with canonical keys, replacing same-spelled ones.
    if (name === 'Content-Type' || name === 'X-Content-Type-Options') continue;
    headers.push([name, value]);
  }
  headers.push(['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff']);
  return { status: 200, headers, body: echoBody(pod, req) };
}

/** processError: a compact `{"message": …}` body with the JSON content type. */
export function errorReply(message: string, status = 500): Reply {
  return {
    status,
    headers: [['Content-Type', 'application/json'], ['X-Content-Type-Options', 'nosniff']],
    body: goJson({ entries: [['message', message]] }),
  };
}

/** A body Go would content-sniff as plain text. */
export function textReply(status: number, body: string): Reply {
  return { status, headers: body === '' ? [] : [['Content-Type', 'text/plain; charset=utf-8']], body };
}
