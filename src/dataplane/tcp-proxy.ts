// One TCP server per bound address:port for TCP and TLS listeners. Each connection picks its target once (TLS: after
// reading the ClientHello's SNI; Terminate listeners then complete the handshake here) and is piped both ways, half-close
// included. The server lives across config versions: swap() changes the plan for new connections; open ones keep theirs.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { listen } from './bind.ts';
import type { ListenerBindResult } from '../ir/apply.ts';
import type { L4Target } from './l4-backends.ts';
import { parseClientHello } from './sni.ts';

/** How a connection finds its target. `sni`: wait for the ClientHello and choose by its server name. */
export type StreamPlan = {
  sni: boolean;
  /** The target for a connection (serverName: the SNI, or null without one), or undefined to close it. */
  choose(serverName: string | null): StreamTarget | undefined;
  /** The cached secure contexts the plan terminates with, kept while it is in use. */
  contextIds?: readonly string[];
};

export type StreamTarget = L4Target & {
  /** TLS Terminate: complete the handshake with `context` first, then forward the plain stream. */
  terminate?: { context: SecureContext; accepts(socket: TLSSocket): boolean };
};

export type StreamLimits = {
  /** How long a TLS client may take to send its ClientHello. */
  helloTimeoutMs: number;
  connectTimeoutMs: number;
};

export const DEFAULT_STREAM_LIMITS: StreamLimits = { helloTimeoutMs: 10_000, connectTimeoutMs: 10_000 };

const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EINVAL']);

export class StreamServer {
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  #plan: StreamPlan;
  readonly #limits: StreamLimits;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server, address: string, port: number, plan: StreamPlan, limits: StreamLimits) {
    this.server = server;
    this.address = address;
    this.port = port;
    this.#plan = plan;
    this.#limits = limits;
  }

  /** Binds `address` (null: all interfaces) and `port`; never throws: failures come back as `bound: false`. */
  static async bind(
    address: string | null, port: number, plan: StreamPlan, warn: (m: string) => void, limits: StreamLimits = DEFAULT_STREAM_LIMITS,
  ): Promise<{ listener?: StreamServer; result: ListenerBindResult }> {
    const attempts = address === null ? ['::', '0.0.0.0'] : [address];
    let lastError = '';
    for (const host of attempts) {
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
      const error = await listen(server, host, port);
      if (error === null) {
        const bound = (server.address() as { port: number }).port;
        const listener = new StreamServer(server, host, bound, plan, limits);
        server.on('connection', (socket) => listener.#onConnection(socket));
        server.on('error', (err) => warn(`listener ${host}:${bound}: ${err.message}`));
        return { listener, result: { port: bound, address: host, bound: true } };
      }
      lastError = error;
      if (!(address === null && NO_IPV6.has(error))) break;
    }
    return { result: { port, address: address ?? '::', bound: false, error: lastError } };
  }

  /** New connections use `plan`; open ones keep the upstream they chose. */
  swap(plan: StreamPlan): void {
    this.#plan = plan;
  }

  /** Stops accepting; open connections get `graceMs` to finish, then are closed. */
  drain(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const s of this.#sockets) s.destroy();
      }, graceMs);
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #onConnection(client: Socket): void {
    const plan = this.#plan;
    this.#sockets.add(client);
    client.once('close', () => this.#sockets.delete(client));
    client.on('error', () => client.destroy());
    if (!plan.sni) {
      this.#forward(client, plan.choose(null), []);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    client.setTimeout(this.#limits.helloTimeoutMs, () => client.destroy());
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const hello = parseClientHello(chunks.length === 1 ? chunk : Buffer.concat(chunks, size));
      if (hello.type === 'need-more') return;
      client.off('data', onData);
      client.off('end', onEnd);
      client.pause();
      client.setTimeout(0);
      // A garbage or oversized hello is closed like a hello for which no route matches.
      this.#forward(client, hello.type === 'ok' ? plan.choose(hello.serverName) : undefined, chunks);
    };
    const onEnd = () => client.destroy();
    client.on('data', onData);
    client.once('end', onEnd);
  }

  #forward(client: Socket, target: StreamTarget | undefined, head: Buffer[]): void {
    if (target === undefined) {
      // Accepted, then closed: clients see EOF (or a reset), never "connection refused".
      client.destroy();
      return;
    }
    if (target.terminate) return this.#terminate(client, target, target.terminate, head);
    this.#pipe(client, target, head);
  }

  /** The ClientHello already read goes back in front of the stream; node:tls reads it from there. */
  #terminate(client: Socket, target: L4Target, t: NonNullable<StreamTarget['terminate']>, head: Buffer[]): void {
    client.unshift(Buffer.concat(head));
    const tls = new TLSSocket(client, { isServer: true, secureContext: t.context });
    this.#sockets.add(tls);
    tls.once('close', () => this.#sockets.delete(tls));
    tls.on('error', () => tls.destroy());
    client.setTimeout(this.#limits.helloTimeoutMs, () => client.destroy());
    tls.once('secure', () => {
      client.setTimeout(0);
      if (!t.accepts(tls)) return void tls.destroy();
      this.#pipe(tls, target, []);
    });
  }

  #pipe(client: Socket, target: L4Target, head: Buffer[]): void {
    const upstream = connect({ host: target.address, port: target.port, family: target.family, allowHalfOpen: true });
    this.#sockets.add(upstream);
    upstream.once('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.on('error', () => upstream.destroy());
    upstream.setTimeout(this.#limits.connectTimeoutMs, () => upstream.destroy());
    upstream.once('connect', () => upstream.setTimeout(0));
    for (const b of head) upstream.write(b);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
