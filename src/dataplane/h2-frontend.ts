// HTTP/2 from clients: h2c with prior knowledge on HTTP ports (told apart from HTTP/1.1 by the connection preface)
// and h2 chosen by ALPN on HTTPS ports. Both end in node:http2's compatibility API, whose request and response are
// adapted here to what the handler reads of an IncomingMessage/ServerResponse, so one handler serves every version.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  createServer as createH2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import type { Socket } from 'node:net';

/** RFC 9113 §3.4: what every HTTP/2 connection starts with. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type H2Frontend = {
  /** Serves `socket` as HTTP/2; `preread` holds bytes already read from it (the sniffed preface). */
  accept(socket: Socket, preread?: Buffer): void;
  /** GOAWAY on every session: streams in flight finish, the client opens a new connection for new ones. */
  close(): void;
  destroy(): void;
};

export type H2Limits = { maxHeaderSize: number; idleTimeoutMs: number };

export function createH2Frontend(
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  limits: H2Limits,
  warn: (message: string) => void,
): H2Frontend {
  const server = createH2Server({ settings: { maxHeaderListSize: limits.maxHeaderSize } });
  server.setTimeout(limits.idleTimeoutMs);
  const sessions = new Map<Http2Session, Socket>();
  // The 'session' event fires inside emit('connection'): this carries the client socket into it.
  let accepting: Socket | null = null;

  server.on('session', (session: Http2Session) => {
    if (accepting === null) return;
    sessions.set(session, accepting);
    session.once('close', () => sessions.delete(session));
  });
  // A broken peer costs its own session; without these listeners the error would end the process.
  server.on('sessionError', () => {});
  server.on('error', (err) => warn(`HTTP/2 server: ${err.message}`));
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const socket = sessions.get(req.stream.session as Http2Session);
    onRequest(adaptRequest(req, socket) as unknown as IncomingMessage, res as unknown as ServerResponse);
  });

  return {
    accept(socket, preread) {
      // node:http2 reads the socket's handle natively, and first feeds its session whatever sits in the socket's JS
      // buffer (Http2Session's constructor does, for sockets that were read before): the sniffed bytes go back there.
      // Wrapping the socket in a JS Duplex instead would run every frame through JSStreamSocket, ~10× the CPU.
      if (preread !== undefined && preread.length > 0) socket.unshift(preread);
      accepting = socket;
      try {
        server.emit('connection', socket);
      } finally {
        accepting = null;
      }
    },
    close() {
      for (const session of sessions.keys()) if (!session.closed) session.close();
    },
    destroy() {
      for (const session of sessions.keys()) session.destroy();
    },
  };
}

/**
 * Pseudo-headers are HTTP/2 framing, not fields to match on or send upstream; `:authority` is the Host (RFC 9113
 * §8.3.1). The client socket replaces the compatibility layer's socket proxy, which sees only the stream wrapper.
 */
function adaptRequest(req: Http2ServerRequest, socket: Socket | undefined): Http2ServerRequest {
  const raw = req.headers;
  const headers: IncomingHttpHeaders = {};
  for (const name of Object.keys(raw)) if (name.charCodeAt(0) !== 58 /* : */) headers[name] = raw[name];
  const authority = raw[':authority'];
  if (typeof authority === 'string' && authority !== '') headers.host = authority;
  // HTTP/2 frames a body without Content-Length; the HTTP/1.1 code downstream learns of it as a chunked one (a
  // hop-by-hop header, so it never leaves the proxy).
  if (!req.stream.endAfterHeaders && headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
  Object.defineProperty(req, 'headers', { value: headers, writable: true, enumerable: true, configurable: true });
  if (socket !== undefined) Object.defineProperty(req, 'socket', { value: socket, enumerable: true, configurable: true });
  return req;
}

/**
 * Reads just enough of a new cleartext connection to tell HTTP/2 prior knowledge from HTTP/1.1, then calls `decide`
 * with what it read. A connection that sends nothing for `timeoutMs` is closed, as HTTP/1.1 headersTimeout would.
 */
export function sniffPreface(socket: Socket, timeoutMs: number, decide: (h2: boolean, head: Buffer) => void): void {
  let head: Buffer = Buffer.alloc(0);
  const done = () => {
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('end', onEnd);
    socket.off('timeout', onTimeout);
    socket.setTimeout(0);
  };
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const n = Math.min(head.length, H2_PREFACE.length);
    const h2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (h2 && head.length < H2_PREFACE.length) return;
    done();
    socket.pause();
    decide(h2, head);
  };
  const onError = () => socket.destroy();
  const onTimeout = () => socket.destroy();
  const onEnd = () => {
    done();
    socket.destroy();
  };
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('end', onEnd);
  socket.on('timeout', onTimeout);
  socket.setTimeout(timeoutMs);
}
