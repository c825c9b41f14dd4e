// One node:http server per bound address:port of one Gateway. The server lives across config versions: a new
// config swaps the snapshot reference, so keep-alive connections and requests in flight are untouched.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ListenerBindResult } from '../ir/apply.ts';
import { handleRequest, type HandlerContext, type Snapshot } from './handler.ts';

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
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  #snapshot: Snapshot;
  #inFlight = new Set<ServerResponse>();
  #draining = false;

  private constructor(server: Server, address: string, port: number, snapshot: Snapshot) {
    this.server = server;
    this.address = address;
    this.port = port;
    this.#snapshot = { ...snapshot, port };
  }

  /** Binds `address` (null: all interfaces) and `port`; never throws: failures come back as `bound: false`. */
  static async bind(
    address: string | null,
    port: number,
    snapshot: Snapshot,
    ctx: HandlerContext,
    limits: ServerLimits,
  ): Promise<{ listener?: ListenerServer; result: ListenerBindResult }> {
    const attempts = address === null ? ['::', '0.0.0.0'] : [address];
    let lastError = '';
    for (const host of attempts) {
      const server = createServer({
        maxHeaderSize: limits.maxHeaderSize,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
      });
      const error = await listen(server, host, port);
      if (error === null) {
        const bound = (server.address() as { port: number }).port;
        const listener = new ListenerServer(server, host, bound, snapshot);
        server.on('request', (req: IncomingMessage, res: ServerResponse) => listener.#onRequest(ctx, req, res));
        server.on('error', (err) => ctx.warn(`listener ${host}:${bound}: ${err.message}`));
        return { listener, result: { port: bound, address: host, bound: true } };
      }
      lastError = error;
      if (!(address === null && NO_IPV6.has(error))) break;
    }
    return { result: { port, address: address ?? '::', bound: false, error: lastError } };
  }

  /** Requests that start from now on use `snapshot`; those already running keep theirs. */
  swap(snapshot: Snapshot): void {
    this.#snapshot = { ...snapshot, port: this.port };
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
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
}

function listen(server: Server, host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      resolve(err.code ?? err.message);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(null);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, ipv6Only: false });
  });
}
