// Upstream connection pools: one undici dispatcher per endpoint and protocol (a Pool of HTTP/1.1 connections, or an
// H2CClient multiplexing one HTTP/2 cleartext connection), kept across config versions while any config still lists
// the endpoint, closed (after its requests finish) once none does.
import { isIP } from 'node:net';
import { H2CClient, Pool, type Dispatcher } from 'undici';
import { formatHostPort, mayReachThisHost } from '../ir/net.ts';
import type * as ir from '../ir/types.ts';
import { roundRobin, type RoundRobin } from './balancer.ts';

export type UpstreamTimeouts = { connectMs: number; headersMs: number; bodyMs: number };

export type UsableEndpoint = {
  key: string;
  /** Speaks the cluster's protocol: `pool.request()` works the same for HTTP/1.1 and h2c. */
  pool: Dispatcher;
  protocol: ir.BackendProtocol;
  /** For connections the pool does not make (WebSocket and other HTTP/1.1 upgrades). */
  address: string;
  port: number;
  timeouts: UpstreamTimeouts;
};

export type RuntimeCluster = {
  name: string;
  /** How many endpoints the IR listed, usable or not: 0 answers 503 like "all refused". */
  listed: number;
  endpoints: RoundRobin<UsableEndpoint>;
};

/** h2c endpoints get their own key: the same address may also be listed by an HTTP/1.1 cluster. */
export function endpointKey(ep: ir.Endpoint, protocol: ir.BackendProtocol = 'http1'): string {
  const origin = `http://${formatHostPort(ep.address, ep.port)}`;
  return protocol === 'h2c' ? `h2c+${origin}` : origin;
}

/** Why an endpoint is not used, or null when it is usable. */
export function refuseEndpoint(address: string, allowLoopback: boolean): string | null {
  // undici would resolve a name (or a shorthand such as 127.1) at connect time, past any check made here.
  if (isIP(address) === 0) return 'is not an IP address; endpoints must be IPv4 or IPv6 literals';
  if (!allowLoopback && mayReachThisHost(address)) {
    return 'reaches this host (loopback or unspecified address) and is not used; ' +
      'such endpoints are only allowed in standalone mode (allowLoopbackEndpoints)';
  }
  return null;
}

export class UpstreamPools {
  readonly #pools = new Map<string, Dispatcher>();
  readonly #timeouts: UpstreamTimeouts;

  constructor(timeouts: UpstreamTimeouts) {
    this.#timeouts = timeouts;
  }

  get timeouts(): UpstreamTimeouts {
    return this.#timeouts;
  }

  get(key: string): Dispatcher {
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      const options = {
        connectTimeout: this.#timeouts.connectMs,
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyMs,
        keepAliveTimeout: 4_000,
      };
      pool = key.startsWith('h2c+') ? withH2Trailers(new H2CClient(key.slice(4), options)) : new Pool(key, options);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools whose endpoint no config lists any more; requests already queued on them still finish. */
  retainOnly(keys: ReadonlySet<string>): void {
    for (const [key, pool] of this.#pools) {
      if (keys.has(key)) continue;
      this.#pools.delete(key);
      pool.close().catch(() => pool.destroy().catch(() => {}));
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  async destroy(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.destroy()));
  }
}

/** Builds the runtime clusters of one config; `used` collects the endpoint keys it needs. */
export function compileClusters(
  backends: Record<string, ir.BackendCluster>,
  pools: UpstreamPools,
  allowLoopback: boolean,
  used: Set<string>,
  warn: (message: string) => void,
): Map<string, RuntimeCluster> {
  const out = new Map<string, RuntimeCluster>();
  for (const [name, cluster] of Object.entries(backends)) {
    const usable: UsableEndpoint[] = [];
    for (const ep of cluster.endpoints) {
      const why = refuseEndpoint(ep.address, allowLoopback);
      if (why !== null) {
        warn(`backend ${cluster.name}: endpoint ${ep.address}:${ep.port} ${why}`);
        continue;
      }
      const key = endpointKey(ep, cluster.protocol);
      used.add(key);
      usable.push({ key, pool: pools.get(key), protocol: cluster.protocol, address: ep.address, port: ep.port, timeouts: pools.timeouts });
    }
    out.set(name, { name, listed: cluster.endpoints.length, endpoints: roundRobin(usable) });
  }
  return out;
}

/**
 * undici's HTTP/2 client hands response trailers to the handler as node:http2's header object, but `request()`'s
 * handler parses them as a raw [name, value, ...] list and finds none, so grpc-status would be lost. This converts
 * them on the way, leaving every other handler call untouched. Every request also says it takes trailers.
 */
function withH2Trailers(client: H2CClient): H2CClient {
  const dispatch = client.dispatch.bind(client);
  client.dispatch = (opts, handler) => {
    // `TE: trailers` (hop-by-hop, so dropped from the client's request) is the one TE value HTTP/2 allows; gRPC
    // servers expect it, and this proxy relays trailers (trailers.ts).
    if (opts.headers !== null && typeof opts.headers === 'object' && !Array.isArray(opts.headers) && !(Symbol.iterator in opts.headers)) {
      opts = { ...opts, headers: { ...(opts.headers as Record<string, string>), te: 'trailers' } };
    }
    const h = handler as Dispatcher.DispatchHandler & { onComplete?: (trailers: unknown) => void };
    if (typeof h.onComplete !== 'function') return dispatch(opts, handler);
    const onComplete = (trailers: unknown) => h.onComplete!(Array.isArray(trailers) ? trailers : rawHeaders(trailers));
    return dispatch(opts, new Proxy(h, {
      get(target, prop) {
        if (prop === 'onComplete') return onComplete;
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }));
  };
  return client;
}

function rawHeaders(headers: unknown): string[] {
  const out: string[] = [];
  if (headers === null || typeof headers !== 'object') return out;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (name.startsWith(':')) continue;
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) out.push(name, String(v));
  }
  return out;
}
