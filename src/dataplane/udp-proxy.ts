// One UDP socket per bound address:port. Each client address gets its own upstream socket (a session) to one target
// chosen by weight, so replies go back to the right client, sent from the socket (address) the client wrote to.
// Sessions end after `idleMs` without traffic either way.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { ListenerBindResult } from '../ir/apply.ts';
import type * as ir from '../ir/types.ts';
import { compileL4Pick, type L4Target } from './l4-backends.ts';

export type UdpPlan = { route: string | null; choose(): L4Target | undefined };

/** Beyond this many live sessions new clients are dropped, so a flood of source addresses cannot exhaust sockets. */
const MAX_SESSIONS = 10_000;
export const DEFAULT_UDP_IDLE_MS = 60_000;

export function compileUdpForward(listener: ir.UdpListener, clusters: Readonly<Record<string, ir.BackendCluster>>, allowLoopback: boolean): UdpPlan {
  if (listener.route === null) return { route: null, choose: () => undefined };
  const pick = compileL4Pick(listener.route.backends, clusters, allowLoopback);
  return { route: listener.route.route, choose: pick };
}

type Session = { upstream: Socket; target: L4Target; route: string | null; timer: NodeJS.Timeout };

export class UdpServer {
  readonly address: string;
  readonly port: number;
  readonly #socket: Socket;
  readonly #idleMs: number;
  #plan: UdpPlan;
  readonly #sessions = new Map<string, Session>();

  private constructor(socket: Socket, address: string, port: number, plan: UdpPlan, idleMs: number) {
    this.#socket = socket;
    this.address = address;
    this.port = port;
    this.#plan = plan;
    this.#idleMs = idleMs;
  }

  /** Binds `address` (null: all interfaces) and `port`; never throws: failures come back as `bound: false`. */
  static async bind(
    address: string | null, port: number, plan: UdpPlan, warn: (m: string) => void, idleMs = DEFAULT_UDP_IDLE_MS,
  ): Promise<{ listener?: UdpServer; result: ListenerBindResult }> {
    const attempts = address === null ? ['::', '0.0.0.0'] : [address];
    let lastError = '';
    for (const host of attempts) {
      const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', ipv6Only: false });
      const error = await bindSocket(socket, host, port);
      if (error === null) {
        const bound = socket.address().port;
        const server = new UdpServer(socket, host, bound, plan, idleMs);
        socket.on('message', (msg, rinfo) => server.#onMessage(msg, rinfo));
        socket.on('error', (err) => warn(`UDP listener ${host}:${bound}: ${err.message}`));
        return { listener: server, result: { port: bound, address: host, bound: true } };
      }
      socket.close();
      lastError = error;
      if (!(address === null && ['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EINVAL'].includes(error))) break;
    }
    return { result: { port, address: address ?? '::', bound: false, error: lastError } };
  }

  /** New clients use `plan`; sessions of a route that is no longer served end now, the others keep their target. */
  swap(plan: UdpPlan): void {
    this.#plan = plan;
    for (const [key, s] of this.#sessions) if (s.route !== plan.route) this.#end(key, s);
  }

  /** UDP has nothing in flight to wait for: sessions end and the socket closes. */
  drain(): Promise<void> {
    for (const [key, s] of this.#sessions) this.#end(key, s);
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  #onMessage(msg: Buffer, client: RemoteInfo): void {
    const key = `${client.address}|${client.port}`;
    let s = this.#sessions.get(key);
    if (s === undefined) {
      const target = this.#plan.choose();
      if (target === undefined || this.#sessions.size >= MAX_SESSIONS) return;
      s = this.#open(key, client, target);
    }
    s.timer.refresh();
    s.upstream.send(msg, s.target.port, s.target.address);
  }

  #open(key: string, client: RemoteInfo, target: L4Target): Session {
    const upstream = createSocket(target.family === 6 ? 'udp6' : 'udp4');
    const timer = setTimeout(() => this.#end(key, session), this.#idleMs);
    timer.unref();
    const session: Session = { upstream, target, route: this.#plan.route, timer };
    upstream.on('message', (reply, from) => {
      // Only the target may answer through this session.
      if (from.port !== target.port || from.address !== target.address) return;
      timer.refresh();
      this.#socket.send(reply, client.port, client.address);
    });
    upstream.on('error', () => this.#end(key, session));
    this.#sessions.set(key, session);
    return session;
  }

  #end(key: string, s: Session): void {
    clearTimeout(s.timer);
    if (this.#sessions.get(key) === s) this.#sessions.delete(key);
    try {
      s.upstream.close();
    } catch {
      // already closed
    }
  }
}

function bindSocket(socket: Socket, host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message);
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(null);
    });
  });
}
