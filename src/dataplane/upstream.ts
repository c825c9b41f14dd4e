// Upstream connection pools: one undici dispatcher per endpoint and protocol (a Pool of HTTP/1.1 connections, or an
// H2CClient multiplexing one HTTP/2 cleartext connection), kept across config versions while any config still lists
// the endpoint, closed (after its requests finish) once none does.
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { Client, H2CClient, Pool } from './undici-parts.ts';
import { formatHostPort, mayReachThisHost } from '../ir/net.ts';
import type * as ir from '../ir/types.ts';
import { roundRobin, type RoundRobin } from './balancer.ts';
import { tlsConnectOptions, tlsKey } from './upstream-tls.ts';
import { RawPool } from './http1/upstream-conn.ts';

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
  /** The cluster's BackendTLSPolicy settings: connections the pool does not make must use them too (tlsConnectOptions). */
  tls?: ir.BackendTls;
  /** Plain HTTP/1.1 endpoints: the connections the HTTP/1.1 fast path uses (http1/upstream-conn.ts). */
  raw?: RawPool;
};

export type RuntimeCluster = {
  name: string;
  /** How many endpoints the IR listed, usable or not: 0 answers 503 like "all refused". */
  listed: number;
  endpoints: RoundRobin<UsableEndpoint>;
};

/**
 * h2c endpoints get their own key: the same address may also be listed by an HTTP/1.1 cluster. TLS endpoints are
 * keyed by their TLS settings too (`#digest`); over TLS, h2c clusters (gRPC) speak HTTP/2 chosen by ALPN (`h2+`).
 */
export function endpointKey(ep: ir.Endpoint, protocol: ir.BackendProtocol = 'http1', tls?: ir.BackendTls): string {
  const hostPort = formatHostPort(ep.address, ep.port);
  if (tls) return `${protocol === 'h2c' ? 'h2+' : ''}https://${hostPort}#${tlsKey(tls)}`;
  const origin = `http://${hostPort}`;
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
  readonly #raw = new Map<string, RawPool>();
  readonly #timeouts: UpstreamTimeouts;

  constructor(timeouts: UpstreamTimeouts) {
    this.#timeouts = timeouts;
  }

  get timeouts(): UpstreamTimeouts {
    return this.#timeouts;
  }

  /** `tls`: the settings `key` was made from (endpointKey), needed to create the pool on first use. */
  get(key: string, tls?: ir.BackendTls): Dispatcher {
    let pool = this.#pools.get(key);
    if (pool === undefined && tls) {
      pool = tlsPool(key, tls, this.#timeouts);
      this.#pools.set(key, pool);
    } else if (pool === undefined) {
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

  /** The fast path's connections to a plain HTTP/1.1 endpoint (`key` from endpointKey), made on first use. */
  raw(key: string, address: string, port: number): RawPool {
    let pool = this.#raw.get(key);
    if (pool === undefined) {
      pool = new RawPool(address, port, this.#timeouts);
      this.#raw.set(key, pool);
    }
    return pool;
  }

  /** Closes pools whose endpoint no config lists any more; requests already queued on them still finish. */
  retainOnly(keys: ReadonlySet<string>): void {
    for (const [key, pool] of this.#raw) {
      if (keys.has(key)) continue;
      this.#raw.delete(key);
      pool.close();
    }
    for (const [key, pool] of this.#pools) {
      if (keys.has(key)) continue;
      this.#pools.delete(key);
      pool.close().catch(() => pool.destroy().catch(() => {}));
    }
  }

  async close(): Promise<void> {
    for (const pool of this.#raw.values()) pool.close();
    this.#raw.clear();
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  async destroy(): Promise<void> {
    for (const pool of this.#raw.values()) pool.close();
    this.#raw.clear();
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
    if (cluster.tls?.invalid !== undefined && cluster.endpoints.length > 0) {
      warn(`backend ${cluster.name}: BackendTLSPolicy ${cluster.tls.policy} cannot be used (${cluster.tls.invalid}); its requests answer 502`);
    }
    for (const ep of cluster.endpoints) {
      const why = refuseEndpoint(ep.address, allowLoopback);
      if (why !== null) {
        warn(`backend ${cluster.name}: endpoint ${ep.address}:${ep.port} ${why}`);
        continue;
      }
      const key = endpointKey(ep, cluster.protocol, cluster.tls);
      used.add(key);
      const endpoint: UsableEndpoint = { key, pool: pools.get(key, cluster.tls), protocol: cluster.protocol, address: ep.address, port: ep.port, timeouts: pools.timeouts };
      if (cluster.tls) endpoint.tls = cluster.tls;
      else if (cluster.protocol === 'http1') endpoint.raw = pools.raw(key, ep.address, ep.port);
      usable.push(endpoint);
    }
    out.set(name, { name, listed: cluster.endpoints.length, endpoints: roundRobin(usable) });
  }
  return out;
}

/** A pool speaking TLS to one endpoint; the key's `#digest` is only for telling settings apart. */
function tlsPool(key: string, tls: ir.BackendTls, timeouts: UpstreamTimeouts): Dispatcher {
  const h2 = key.startsWith('h2+');
  const origin = key.slice(h2 ? 3 : 0, key.indexOf('#'));
  const options = {
    connectTimeout: timeouts.connectMs,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 4_000,
    connect: tls.invalid === undefined ? tlsConnectOptions(tls) : refuseToConnect(tls),
  };
  const pool = h2 ? withH2Trailers(new Client(origin, { ...options, allowH2: true })) : new Pool(origin, options);
  return withServerName(pool, tls.serverName);
}

/** A policy without a usable trust anchor: every connection attempt fails at once, so its requests answer 502. */
function refuseToConnect(tls: ir.BackendTls): (opts: unknown, callback: (err: Error, socket: null) => void) => void {
  const message = `BackendTLSPolicy ${tls.policy} cannot be used: ${tls.invalid}`;
  return (_opts, callback) => callback(Object.assign(new Error(message), { code: 'PORTICO_BACKEND_TLS_INVALID' }), null);
}

/**
 * undici takes each request's SNI from its Host header (and reconnects when it changes); the policy's hostname is
 * the SNI for every request, whatever Host the client sent.
 */
function withServerName<T extends Dispatcher>(d: T, servername: string): T {
  const dispatch = d.dispatch.bind(d);
  d.dispatch = (opts, handler) => dispatch({ ...opts, servername } as Dispatcher.DispatchOptions, handler);
  return d;
}

/**
 * undici's HTTP/2 client hands response trailers to the handler as node:http2's header object, but `request()`'s
 * handler parses them as a raw [name, value, ...] list and finds none, so grpc-status would be lost. This converts
 * them on the way, leaving every other handler call untouched. Every request also says it takes trailers.
 */
function withH2Trailers<T extends Dispatcher>(client: T): T {
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
