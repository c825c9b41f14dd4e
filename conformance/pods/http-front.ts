// Protocol front ends: Node's HTTP/1.1 and HTTP/2 servers turned into EchoRequests, and Outcomes
// turned back into bytes the way Go's net/http would write them.
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { goHeaders, type EchoRequest, type Reply } from './echo-request.ts';
import type { Outcome } from './echo-mux.ts';
import { tlsAssertions } from './tls-info.ts';
import { statusText } from './go-compat.ts';
import { serveWebSocket } from './ws.ts';
import type { Pod } from './types.ts';

export type Serve = (req: EchoRequest, canHijack: boolean) => Promise<Outcome>;

function remoteAddr(sock: { remoteAddress?: string; remotePort?: number }): string {
  const ip = sock.remoteAddress ?? '';
  return `${ip.includes(':') ? `[${ip}]` : ip}:${sock.remotePort ?? 0}`;
}

function tlsOf(sock: unknown): EchoRequest['tls'] {
  return (sock as { encrypted?: boolean }).encrypted ? tlsAssertions(sock as TLSSocket) : undefined;
}

function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

export function fromH1(req: http.IncomingMessage): EchoRequest {
  const url = req.url ?? '';
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?]*)/.exec(url);
  return {
    requestUri: url,
    host: abs ? abs[1]! : (req.headers.host ?? ''),
    method: req.method ?? 'GET',
    proto: `HTTP/${req.httpVersion}`,
    headers: goHeaders(req.rawHeaders, false),
    remoteAddr: remoteAddr(req.socket),
    tls: tlsOf(req.socket),
  };
}

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request';

/** Go sets Content-Length when the handler finished; not for bodyless statuses, nor for HEAD without a body. */
function contentLength(status: number, method: string | undefined, body: string): string | undefined {
  if (bodyless(status) || (method === 'HEAD' && body === '')) return undefined;
  return String(Buffer.byteLength(body));
}

function writeH1(outcome: Outcome, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (outcome.kind === 'reset') return void req.socket.resetAndDestroy();
  if (outcome.kind === 'bad-request') return void req.socket.end(BAD_REQUEST);
  if (outcome.kind === 'informational') {
    req.socket.write(`HTTP/1.1 ${outcome.status} ${statusText(outcome.status)}\r\n\r\n`);
    outcome = { kind: 'reply', reply: { status: 200, headers: [], body: '' } };
  }
  if (outcome.kind !== 'reply') return void req.socket.destroy();
  const { status, headers, body }: Reply = outcome.reply;
  const flat: string[] = headers.flat();
  const length = contentLength(status, req.method, body);
  if (length !== undefined) flat.push('Content-Length', length);
  if (outcome.close) flat.push('Connection', 'close');
  res.writeHead(status, statusText(status), flat);
  res.end(bodyless(status) ? undefined : body);
}

/** The same answer written straight onto a socket the HTTP server has let go of (upgrade requests). */
function writeRaw(outcome: Outcome, method: string, socket: Socket): void {
  if (outcome.kind === 'reset') return void socket.resetAndDestroy();
  if (outcome.kind === 'bad-request') return void socket.end(BAD_REQUEST);
  if (outcome.kind === 'informational') {
    socket.write(`HTTP/1.1 ${outcome.status} ${statusText(outcome.status)}\r\n\r\n`);
    outcome = { kind: 'reply', reply: { status: 200, headers: [], body: '' } };
  }
  if (outcome.kind !== 'reply') return void socket.destroy();
  const { status, headers, body } = outcome.reply;
  const lines = [`HTTP/1.1 ${status} ${statusText(status)}`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  const length = contentLength(status, method, body);
  if (length !== undefined) lines.push(`Content-Length: ${length}`);
  lines.push(`Date: ${new Date().toUTCString()}`, 'Connection: close');
  socket.end(lines.join('\r\n') + '\r\n\r\n' + (bodyless(status) || method === 'HEAD' ? '' : body));
}

export type H1Options = {
  pod: Pod;
  serve: Serve;
  /** Requests for which the raw socket is taken over (echo-basic's `/ws`). */
  upgradeIf?: (url: string) => boolean;
  onError: (err: Error) => void;
};

export function createH1(o: H1Options): http.Server {
  const server = http.createServer({
    // Go's server has no keep-alive or request timeouts and allows 1 MiB of headers.
    keepAliveTimeout: 0,
    requestTimeout: 0,
    maxHeaderSize: 1 << 20,
    shouldUpgradeCallback: (req) => o.upgradeIf?.(req.url ?? '') ?? false,
  });
  attachH1(server, o);
  return server;
}

/** Serves HTTP/1 requests of `server` (an http.Server, or an HTTP/2 secure server with allowHTTP1). */
export function attachH1(server: http.Server | http2.Http2SecureServer, o: H1Options): void {
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.httpVersionMajor === 2) return; // HTTP/2 streams are answered by attachH2's stream listener.
    const er = fromH1(req);
    o.serve(er, true).then(
      (outcome) => {
        // `/ws` without an Upgrade header never reaches the upgrade event: x/net answers it on the raw socket.
        if (outcome.kind === 'websocket') serveWebSocket(o.pod, er, req.socket, Buffer.alloc(0));
        else writeH1(outcome, req, res);
      },
      (err: Error) => {
        o.onError(err);
        req.socket.destroy();
      },
    );
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const er = fromH1(req);
    o.serve(er, true).then(
      (outcome) => {
        if (outcome.kind === 'websocket') serveWebSocket(o.pod, er, socket, head);
        else writeRaw(outcome, er.method, socket);
      },
      (err: Error) => {
        o.onError(err);
        socket.destroy();
      },
    );
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    else socket.destroy();
  });
}

/** Go's HTTP/2 server leaves connection-specific fields out of a response. */
const H2_DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

export type H2Options = { serve: Serve; onError: (err: Error) => void };

export function createH2(o: H2Options): http2.Http2Server {
  const server = http2.createServer();
  attachH2(server, o);
  return server;
}

export function attachH2(server: http2.Http2Server | http2.Http2SecureServer, o: H2Options): void {
  server.on('sessionError', () => {});
  server.on('stream', (stream: http2.ServerHttp2Stream, h: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    stream.on('error', () => {});
    const sock = stream.session?.socket;
    const method = String(h[':method'] ?? 'GET');
    const er: EchoRequest = {
      requestUri: String(h[':path'] ?? ''),
      host: String(h[':authority'] ?? h.host ?? ''),
      method,
      proto: 'HTTP/2.0',
      headers: goHeaders(rawHeaders, true),
      remoteAddr: sock ? remoteAddr(sock) : '',
      tls: tlsOf(sock),
    };
    // Go reads no request body here either; let it flow so the stream can finish.
    stream.resume();
    o.serve(er, false).then(
      (outcome) => {
        if (stream.destroyed || stream.closed) return;
        if (outcome.kind === 'bad-request') return void stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
        if (outcome.kind === 'informational') {
          stream.additionalHeaders({ ':status': outcome.status });
          outcome = { kind: 'reply', reply: { status: 200, headers: [], body: '' } };
        }
        if (outcome.kind !== 'reply') return void stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        const { status, headers, body } = outcome.reply;
        const out: http2.OutgoingHttpHeaders = { ':status': status };
        const grouped = new Map<string, string[]>();
        for (const [k, v] of headers) {
          const name = k.toLowerCase();
          if (H2_DROPPED.has(name)) continue;
          grouped.set(name, [...(grouped.get(name) ?? []), v]);
        }
        for (const [k, v] of grouped) out[k] = v.length === 1 ? v[0] : v;
        const noBody = bodyless(status) || method === 'HEAD';
        const length = contentLength(status, method, body);
        if (length !== undefined) out['content-length'] = length;
        stream.respond(out, { endStream: noBody || body === '' });
        if (!noBody && body !== '') stream.end(body);
      },
      (err: Error) => {
        o.onError(err);
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      },
    );
  });
}
