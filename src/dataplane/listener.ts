// One node:http (or node:https) server per bound address:port of one Gateway. The server lives across config
// versions: a new config swaps the snapshot reference (and the TLS plan), so keep-alive connections and requests in
// flight are untouched; an HTTPS connection keeps the certificate its handshake chose.
// Each server also speaks HTTP/2 (h2c prior knowledge on HTTP ports, ALPN h2 on HTTPS ports) and tunnels HTTP/1.1
// upgrades; every request, whatever its version, goes through the same handler.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { listen } from './bind.ts';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { ListenerBindResult } from '../ir/apply.ts';
import { createH2Frontend, sniffPreface, type H2Frontend } from './h2-frontend.ts';
import { handleRequest, type HandlerContext, type Snapshot } from './handler.ts';
import { FastConnection } from './http1/connection.ts';
import { ALPN_PROTOCOLS, serverNameOf, type TlsPlan } from './tls-server.ts';
import { acceptUpgrade, wantsTunnel } from './upgrade.ts';

export type ServerLimits = {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderSize: number;
};

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 16 * 1024,
};

/** Errors that mean "this host has no IPv6": all-interfaces binding then falls back to IPv4. */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EINVAL']);

export class ListenerServer {
  readonly server: Server | HttpsServer;
  readonly address: string;
  readonly port: number;
  /** Fixed for the server's life: a port that changes protocol gets a new server. */
  readonly tls: boolean;
  #snapshot: Snapshot;
  /** Shared with the server's SNI callback, which reads it at each handshake. */
  #tls: { plan: TlsPlan } | null;
  #inFlight = new Set<ServerResponse>();
  /** Connections node:http does not track: those still being told apart (HTTP/1.1 or h2c), and upgraded ones. */
  #sniffing = new Set<Socket>();
  #tunnels = new Set<Duplex>();
  /** Connections on the HTTP/1.1 fast path (until they close or are handed to node:http). */
  #fast = new Set<FastConnection>();
  #h2: H2Frontend;
  #draining = false;

  private constructor(
    server: Server | HttpsServer, address: string, port: number, snapshot: Snapshot, tls: { plan: TlsPlan } | null, h2: H2Frontend,
  ) {
    this.server = server;
    this.address = address;
    this.port = port;
    this.tls = tls !== null;
    this.#tls = tls;
    this.#snapshot = this.#withPort(snapshot);
    this.#h2 = h2;
  }

  /** The snapshot as this port serves it: its bound port, and on HTTPS the misdirected-request check of its plan. */
  #withPort(snapshot: Snapshot): Snapshot {
    const tls = this.#tls;
    if (tls === null) return { ...snapshot, port: this.port };
    const plan = tls.plan;
    return { ...snapshot, port: this.port, misdirected: (req, host) => plan.misdirected(serverNameOf(req), host) };
  }

  /**
   * Binds `address` (null: all interfaces) and `port`, terminating TLS when `tls` is given; never throws: failures
   * come back as `bound: false`.
   */
  static async bind(
    address: string | null,
    port: number,
    snapshot: Snapshot,
    ctx: HandlerContext,
    limits: ServerLimits,
    tls: TlsPlan | null = null,
  ): Promise<{ listener?: ListenerServer; result: ListenerBindResult }> {
    const attempts = address === null ? ['::', '0.0.0.0'] : [address];
    let lastError = '';
    for (const host of attempts) {
      const httpOptions = {
        maxHeaderSize: limits.maxHeaderSize,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        // Only tunnelled upgrades leave node:http's request handling; an h2c upgrade stays a plain request.
        shouldUpgradeCallback: wantsTunnel,
      };
      const current = tls === null ? null : { plan: tls };
      const server = current === null ? createServer(httpOptions) : createHttpsServer({
        ...httpOptions,
        ...current.plan.defaultCredentials,
        ...current.plan.clientAuth,
        ALPNProtocols: ALPN_PROTOCOLS,
        // Reads the plan at handshake time, so a swap applies to the next handshake and never to an open connection.
        SNICallback: (servername, cb) => cb(null, current.plan.select(servername)),
      });
      const error = await listen(server, host, port);
      if (error === null) {
        const bound = (server.address() as { port: number }).port;
        const h2 = createH2Frontend(
          (req, res) => listener.#onRequest(ctx, req, res),
          { maxHeaderSize: limits.maxHeaderSize, idleTimeoutMs: limits.requestTimeoutMs },
          (message) => ctx.warn(`listener ${host}:${bound}: ${message}`),
        );
        const listener = new ListenerServer(server, host, bound, snapshot, current, h2);
        listener.#splitProtocols(limits, ctx);
        server.on('request', (req: IncomingMessage, res: ServerResponse) => listener.#onRequest(ctx, req, res));
        server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => listener.#onUpgrade(ctx, req, socket, head));
        server.on('error', (err) => ctx.warn(`listener ${host}:${bound}: ${err.message}`));
        return { listener, result: { port: bound, address: host, bound: true } };
      }
      lastError = error;
      if (!(address === null && NO_IPV6.has(error))) break;
    }
    return { result: { port, address: address ?? '::', bound: false, error: lastError } };
  }

  /**
   * Requests that start from now on use `snapshot`; those already running keep theirs. Handshakes from now on use
   * `tls` (a TLS server only); established connections keep their certificate.
   */
  swap(snapshot: Snapshot, tls: TlsPlan | null = null): void {
    if (tls !== null && this.#tls !== null) {
      const previous = this.#tls.plan;
      this.#tls.plan = tls;
      if (previous.defaultId !== tls.defaultId) (this.server as HttpsServer).setSecureContext(tls.defaultCredentials);
      // node:tls reads these server fields for each new connection (setSecureContext leaves them alone).
      Object.assign(this.server, tls.clientAuth);
    }
    this.#snapshot = this.#withPort(snapshot);
  }

  /**
   * Puts HTTP/2 beside node:http on the same port: its own connection listener (HTTP) or secure-connection listener
   * (HTTPS) is kept for HTTP/1.1 and called only for connections that are not HTTP/2.
   */
  #splitProtocols(limits: ServerLimits, ctx: HandlerContext): void {
    const event = this.tls ? 'secureConnection' : 'connection';
    const http1 = this.server.listeners(event) as ((socket: Socket) => void)[];
    this.server.removeAllListeners(event);
    const toHttp1 = (socket: Socket) => {
      for (const listener of http1) listener.call(this.server, socket);
    };
    if (this.tls) {
      this.server.on(event, (socket: TLSSocket) => {
        // The version or cipher the port negotiated is outside the tls.options of the listener the SNI chose.
        if (this.#tls !== null && !this.#tls.plan.accepts(socket)) return void socket.destroy();
        if (socket.alpnProtocol === 'h2') this.#h2.accept(socket);
        else toHttp1(socket);
      });
      return;
    }
    const handOver = (socket: Socket, head: Buffer) => {
      socket.unshift(head);
      toHttp1(socket);
      socket.resume();
    };
    const fastHost = ctx.http1FastPath === true ? {
      snapshot: () => this.#snapshot,
      ctx,
      limits,
      draining: () => this.#draining,
      handOver,
      done: (conn: FastConnection) => this.#fast.delete(conn),
    } : null;
    this.server.on(event, (socket: Socket) => {
      this.#sniffing.add(socket);
      sniffPreface(socket, limits.headersTimeoutMs, (h2, head) => {
        this.#sniffing.delete(socket);
        if (h2) return this.#h2.accept(socket, head);
        if (fastHost === null || this.#draining) return handOver(socket, head);
        const conn = new FastConnection(socket, fastHost);
        this.#fast.add(conn);
        conn.begin(head);
      });
      socket.once('close', () => this.#sniffing.delete(socket));
    });
  }

  #onUpgrade(ctx: HandlerContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // An upgrade pipelined behind a request whose response is still going out: node:http hands the socket over
    // anyway, and nothing can be answered on it in order. Only this client's own connection pays (it used to throw
    // ERR_HTTP_SOCKET_ASSIGNED out of the process).
    if ((socket as { _httpMessage?: unknown })._httpMessage) return void socket.destroy();
    this.#tunnels.add(socket);
    socket.once('close', () => this.#tunnels.delete(socket));
    handleRequest(this.#snapshot, ctx, req, acceptUpgrade(req, socket, head));
  }

  #onRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight.add(res);
    res.once('close', () => {
      this.#inFlight.delete(res);
      // A finished response leaves its keep-alive socket idle: while draining, close it right away.
      if (this.#draining) setImmediate(() => this.server.closeIdleConnections());
    });
    if (this.#draining) res.shouldKeepAlive = false;
    handleRequest(this.#snapshot, ctx, req, res);
  }

  /** Stops accepting, finishes requests in flight (up to `graceMs`), closes idle keep-alive sockets. */
  drain(graceMs: number): Promise<void> {
    this.#draining = true;
    for (const res of this.#inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    this.#h2.close();
    // Not a full preface nor a request line yet: idle, as far as any protocol is concerned.
    for (const socket of this.#sniffing) socket.destroy();
    for (const conn of this.#fast) conn.closeSoon();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.server.closeAllConnections();
        this.#h2.destroy();
        for (const socket of this.#tunnels) socket.destroy();
        for (const conn of this.#fast) conn.destroy();
      }, graceMs);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
}
