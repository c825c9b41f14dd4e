// The data plane: apply() validates every config, compiles the changed ones off to the side, then binds new ports,
// swaps snapshots on kept ones and drains the ones that are gone. Calls to apply() run one after another.
import type { ApplyResult, ListenerBindResult } from '../ir/apply.ts';
import type * as ir from '../ir/types.ts';
import { newValidationMemo, retainGateways, validateProxyConfig } from '../ir/validate.ts';
import type { DataPlane, DataPlaneOptions } from './contract.ts';
import type { HandlerContext, Snapshot } from './handler.ts';
import { DEFAULT_LIMITS, ListenerServer, type ServerLimits } from './listener.ts';
import { createMetrics } from './metrics.ts';
import { compileRouter, newHostReuse, type HostReuse, type RouteReuse, type Router } from './router.ts';
import { StreamServer, type StreamPlan } from './tcp-proxy.ts';
import { compileTcpForward, compileTlsPassthrough } from './tls-passthrough.ts';
import { compileTls, SecureContexts, type TlsPlan } from './tls-server.ts';
import { compileUdpForward, UdpServer, type UdpPlan } from './udp-proxy.ts';
import { compileClusters, UpstreamPools, type RuntimeCluster, type UpstreamTimeouts } from './upstream.ts';
import { Warnings } from './warnings.ts';

/** The contract's options plus tuning knobs (tests shorten timeouts with them). */
export type DataPlaneSettings = DataPlaneOptions & {
  upstreamTimeouts?: Partial<UpstreamTimeouts>;
  serverLimits?: Partial<ServerLimits>;
  /** How long a removed port waits for its requests in flight before closing their connections. */
  drainGraceMs?: number;
  /** Operational warnings (refused endpoints, bad regexes); default: a JSON line on stderr. */
  warn?: (message: string) => void;
  /** How long a UDP client's session (its own upstream socket) lives without traffic. */
  udpIdleMs?: number;
  /**
   * Plain-HTTP ports parse HTTP/1.1 on the raw socket with Node's own parser (llhttp, same strictness) instead of
   * going through node:http's request and response objects; requests the fast path does not handle are handed to
   * node:http on the same connection. Default: on, unless the environment has PORTICO_HTTP1_FAST_PATH=off.
   */
  http1FastPath?: boolean;
};

const DEFAULT_TIMEOUTS: UpstreamTimeouts = { connectMs: 10_000, headersMs: 60_000, bodyMs: 300_000 };

export function createDataPlane(options: DataPlaneSettings = {}): DataPlane {
  return new PorticoDataPlane(options);
}

type Wanted = { gateway: ir.GatewayKey; address: string | null; port: CompiledPort };

/**
 * One IR listener compiled: HTTP(S) routes and certificates by SNI, or how a TCP/TLS-passthrough connection or a UDP
 * client picks its target.
 */
type CompiledPort =
  | { kind: 'http' | 'https'; port: number; snapshot: Snapshot; tls: TlsPlan | null }
  | { kind: 'tls' | 'tcp'; port: number; plan: StreamPlan }
  | { kind: 'udp'; port: number; plan: UdpPlan };

type AnyServer = ListenerServer | StreamServer | UdpServer;
type CompiledCluster = { runtime: RuntimeCluster; keys: string[]; warnings: string[] };
type HttpPort = Extract<CompiledPort, { snapshot: Snapshot }>;
const isHttp = (p: CompiledPort): p is HttpPort => p.kind === 'http' || p.kind === 'https';

/** One Gateway's config compiled; reused as is while the config's version stays the same. */
type Compiled = {
  version: string;
  /** One per IR listener, in order. */
  ports: CompiledPort[];
  endpoints: Set<string>;
  /** Whether a route (by name) is served: what metrics keep series for. */
  routes: { has(name: string): boolean };
  /** A route the previous compile of this gateway served may be gone (its metric series may have to go). */
  routesRemoved: boolean;
  warnings: string[];
};

class PorticoDataPlane implements DataPlane {
  readonly #servers = new Map<string, AnyServer>();
  readonly #contexts = new SecureContexts();
  readonly #pools: UpstreamPools;
  readonly #ctx: HandlerContext;
  readonly #warnings: Warnings;
  readonly #limits: ServerLimits;
  readonly #allowLoopback: boolean;
  readonly #drainGraceMs: number;
  readonly #udpIdleMs: number | undefined;
  readonly #draining = new Set<Promise<void>>();
  #compiled = new Map<ir.GatewayKey, Compiled>();
  /** Routes already validated: the controller hands over the same route objects while they do not change. */
  readonly #validated = newValidationMemo();
  /** Compiled routes, reused while their IR object and clusters are the same (router.ts). */
  readonly #routes: RouteReuse = new WeakMap();
  /** Each gateway's ports' route indexes and host tables, reused while they hold the same compiled parts (router.ts). */
  readonly #hosts = new Map<ir.GatewayKey, Map<number, HostReuse>>();
  /** IR cluster → its runtime cluster, endpoint keys and warnings, for the clusters of the last apply and the current one. */
  #lastClusters = new Map<ir.BackendCluster, CompiledCluster>();
  #nextClusters = new Map<ir.BackendCluster, CompiledCluster>();
  /** The same by cluster name, to find the runtime cluster whose endpoints a new IR cluster only changes. */
  #lastByName = new Map<string, { ir: ir.BackendCluster; entry: CompiledCluster }>();
  #nextByName = new Map<string, { ir: ir.BackendCluster; entry: CompiledCluster }>();
  /** New endpoints for runtime clusters in use, put in place when the apply commits (see #clustersOf). */
  #endpointSwaps: (() => void)[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** An apply failed after compiling: what the next compile counts as removed is not what metrics last saw. */
  #retainNext = false;

  constructor(options: DataPlaneSettings) {
    const sink = options.warn ?? ((message: string) => process.stderr.write(JSON.stringify({ level: 'warn', component: 'dataplane', message }) + '\n'));
    this.#warnings = new Warnings(sink);
    this.#pools = new UpstreamPools({ ...DEFAULT_TIMEOUTS, ...options.upstreamTimeouts });
    this.#ctx = {
      metrics: createMetrics(options.metricsRegistry), accessLog: options.accessLog ?? null, warn: this.#warnings.warn,
      // On unless turned off: the escape hatch is for operators, should a client ever need node:http's exact ways.
      http1FastPath: options.http1FastPath ?? process.env.PORTICO_HTTP1_FAST_PATH !== 'off',
    };
    this.#limits = { ...DEFAULT_LIMITS, ...options.serverLimits };
    this.#allowLoopback = options.allowLoopbackEndpoints ?? false;
    this.#drainGraceMs = options.drainGraceMs ?? 30_000;
    this.#udpIdleMs = options.udpIdleMs;
  }

  apply(configs: readonly ir.ProxyConfig[]): Promise<ApplyResult[]> {
    const run = this.#queue.then(() => this.#apply(configs));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(configs: readonly ir.ProxyConfig[]): Promise<ApplyResult[]> {
    if (this.#closed) throw new Error('data plane is closed: apply() was called after close(); create a new data plane');
    const problems = configs.flatMap((c) => validateProxyConfig(c, this.#validated));
    if (problems.length > 0) {
      throw new Error(`data plane refused the configs; nothing was changed and the previous configs keep serving:\n  ${problems.join('\n  ')}`);
    }
    retainGateways(this.#validated, new Set(configs.map((c) => c.gateway)));
    this.#warnings.begin();
    let applied = false;
    try {
      const results = await this.#applyValid(configs);
      applied = true;
      return results;
    } catch (e) {
      this.#retainNext = true;
      throw e;
    } finally {
      this.#warnings.end(applied);
    }
  }

  async #applyValid(configs: readonly ir.ProxyConfig[]): Promise<ApplyResult[]> {
    const usedEndpoints = new Set<string>();
    const compiled = new Map<ir.GatewayKey, Compiled>();
    const wanted = new Map<string, Wanted>();
    const results: ApplyResult[] = [];
    const pending: (() => Promise<void>)[] = [];

    // Compile everything before touching a server: a swap then only replaces references.
    this.#nextClusters = new Map();
    this.#nextByName = new Map();
    this.#endpointSwaps = [];
    this.#contexts.begin();
    for (const config of configs) {
      const result: ApplyResult = { gateway: config.gateway, version: config.version, listeners: [] };
      results.push(result);
      const c = this.#compile(config);
      compiled.set(config.gateway, c);
      for (const key of c.endpoints) usedEndpoints.add(key);
      const addresses = config.addresses.length === 0 ? [null] : config.addresses;
      for (const port of c.ports) {
        for (const address of addresses) {
          // The protocol is part of the key: a port switching protocol gets a new server (UDP and TCP may share a number).
          const key = `${config.gateway}|${address ?? '*'}|${port.port}|${port.kind}`;
          if (wanted.has(key)) {
            result.listeners.push(this.#duplicate(config.gateway, address, port.port));
            continue;
          }
          wanted.set(key, { gateway: config.gateway, address, port });
          const slot = result.listeners.length;
          result.listeners.push({ port: port.port, address: address ?? '::', bound: false });
          // Started only once every config compiled: a config that fails to compile changes nothing.
          pending.push(() => this.#bindOrSwap(key, wanted.get(key)!).then((r) => void (result.listeners[slot] = r)));
        }
      }
    }

    // Ports that are gone drain first, so a port moving between Gateways is free when the new one binds.
    for (const [key, server] of this.#servers) {
      if (wanted.has(key)) continue;
      this.#servers.delete(key);
      this.#track(server.drain(this.#drainGraceMs));
    }
    // Every config compiled: clusters whose endpoints alone changed take them now, just before the swaps.
    for (const swap of this.#endpointSwaps) swap();
    this.#endpointSwaps = [];
    await Promise.all(pending.map((start) => start()));
    this.#pools.retainOnly(usedEndpoints);
    this.#lastClusters = this.#nextClusters;
    this.#nextClusters = new Map();
    this.#lastByName = this.#nextByName;
    this.#nextByName = new Map();
    this.#contexts.commit();
    const previous = this.#compiled;
    this.#compiled = compiled;
    for (const gateway of this.#hosts.keys()) if (!compiled.has(gateway)) this.#hosts.delete(gateway);
    // Dropping the series of routes that are gone asks every route name; skipped when none can be (routes only added).
    const same = previous.size === compiled.size && [...compiled].every(([g, c]) => previous.has(g) && (c === previous.get(g) || !c.routesRemoved));
    if (!same || this.#retainNext) this.#ctx.metrics.retain(new Map([...compiled].map(([gateway, c]) => [gateway as string, c.routes])));
    this.#retainNext = false;
    return results;
  }

  /** The compiled form of `config`: the previous one when the version is the same (round robin keeps its place). */
  #compile(config: ir.ProxyConfig): Compiled {
    const previous = this.#compiled.get(config.gateway);
    if (previous !== undefined && config.version !== '' && previous.version === config.version) {
      this.#warnings.still(previous.warnings);
      for (const p of previous.ports) {
        if (isHttp(p) && p.tls) this.#contexts.keep(p.tls.contextIds);
        if (p.kind === 'tls') this.#contexts.keep(p.plan.contextIds ?? []);
      }
      return previous;
    }
    const warnings: string[] = [];
    const warn = (message: string) => {
      warnings.push(message);
      this.#warnings.warn(message);
    };
    const endpoints = new Set<string>();
    const clusters = this.#clustersOf(config.backends, endpoints, warn);
    const routers: Router[] = [];
    const kept = this.#hosts.get(config.gateway);
    const httpPorts = new Set(config.listeners.filter((l) => l.protocol === 'HTTP' || l.protocol === 'HTTPS').map((l) => l.port));
    // A port that no longer serves HTTP took its routes with it.
    let routesRemoved = previous === undefined;
    for (const port of kept?.keys() ?? []) {
      if (httpPorts.has(port)) continue;
      kept!.delete(port);
      routesRemoved = true;
    }
    const ports = config.listeners.map((listener): CompiledPort => {
      const port = listener.port;
      if (listener.protocol === 'TLS') return { kind: 'tls', port, plan: compileTlsPassthrough(listener, config.backends, this.#allowLoopback, config.secrets ?? {}, this.#contexts) };
      if (listener.protocol === 'TCP') return { kind: 'tcp', port, plan: compileTcpForward(listener, config.backends, this.#allowLoopback) };
      if (listener.protocol === 'UDP') return { kind: 'udp', port, plan: compileUdpForward(listener, config.backends, this.#allowLoopback) };
      const router: Router = compileRouter(listener, clusters, this.#routes, this.#hostsOf(config.gateway, listener.port));
      for (const p of router.problems) warn(`gateway ${config.gateway} port ${listener.port}, route ${p.route}: ${p.message}`);
      routers.push(router);
      if (router.routesRemoved) routesRemoved = true;
      const tls = listener.protocol === 'HTTPS' ? compileTls(config.gateway, listener, config.secrets ?? {}, this.#contexts) : null;
      return { kind: tls === null ? 'http' : 'https', port, snapshot: { gateway: config.gateway, port: listener.port, router }, tls };
    });
    const routes = { has: (name: string) => routers.some((r) => r.hasRoute(name)) };
    return { version: config.version, ports, endpoints, routes, routesRemoved, warnings };
  }

  #hostsOf(gateway: ir.GatewayKey, port: number): HostReuse {
    let ports = this.#hosts.get(gateway);
    if (ports === undefined) this.#hosts.set(gateway, ports = new Map());
    let hosts = ports.get(port);
    if (hosts === undefined) ports.set(port, hosts = newHostReuse());
    return hosts;
  }

  /**
   * The runtime clusters of `backends`: one whose IR object was compiled in the last apply is reused (its pools were
   * kept, as it was in use), so the routes compiled against it can be reused too. A cluster whose endpoints alone
   * changed (pods scaled or rolled) keeps its runtime cluster too, which takes the new endpoints when the apply
   * commits: otherwise every route sending to it would be compiled again (20-40 ms at 5,000 routes).
   */
  #clustersOf(backends: Record<string, ir.BackendCluster>, endpoints: Set<string>, warn: (message: string) => void): Map<string, RuntimeCluster> {
    const out = new Map<string, RuntimeCluster>();
    for (const [name, cluster] of Object.entries(backends)) {
      let entry = this.#lastClusters.get(cluster);
      if (entry === undefined || entry.runtime.name !== name) {
        const keys = new Set<string>();
        const warnings: string[] = [];
        const runtime = compileClusters({ [name]: cluster }, this.#pools, this.#allowLoopback, keys, (m) => {
          warnings.push(m);
          warn(m);
        }).get(name)!;
        const before = this.#lastByName.get(name);
        if (before !== undefined && sameButEndpoints(before.ir, cluster)) {
          const kept = before.entry.runtime;
          this.#endpointSwaps.push(() => {
            kept.listed = runtime.listed;
            kept.endpoints = runtime.endpoints;
          });
          entry = { runtime: kept, keys: [...keys], warnings };
        } else entry = { runtime, keys: [...keys], warnings };
      } else for (const m of entry.warnings) warn(m);
      for (const k of entry.keys) endpoints.add(k);
      out.set(name, entry.runtime);
      this.#nextClusters.set(cluster, entry);
      this.#nextByName.set(name, { ir: cluster, entry });
    }
    return out;
  }

  async #bindOrSwap(key: string, want: Wanted): Promise<ListenerBindResult> {
    const existing = this.#servers.get(key);
    const p = want.port;
    if (existing !== undefined) {
      // The key holds the kind, so the server is of the kind `p` needs.
      if (isHttp(p)) (existing as ListenerServer).swap(p.snapshot, p.tls);
      else if (p.kind === 'udp') (existing as UdpServer).swap(p.plan);
      else (existing as StreamServer).swap(p.plan);
      return { port: existing.port, address: existing.address, bound: true };
    }
    const { listener, result } = isHttp(p)
      ? await ListenerServer.bind(want.address, p.port, p.snapshot, this.#ctx, this.#limits, p.tls)
      : p.kind === 'udp'
        ? await UdpServer.bind(want.address, p.port, p.plan, this.#ctx.warn, this.#udpIdleMs)
        : await StreamServer.bind(want.address, p.port, p.plan, this.#ctx.warn);
    if (listener !== undefined) {
      this.#servers.set(key, listener);
    } else {
      this.#ctx.warn(`gateway ${want.gateway}: cannot bind ${want.address ?? 'all interfaces'} ${p.kind === 'udp' ? 'UDP ' : ''}port ${p.port}: ${result.error}`);
    }
    return result;
  }

  #duplicate(gateway: string, address: string | null, port: number): ListenerBindResult {
    const where = address ?? 'all interfaces';
    return { port, address: address ?? '::', bound: false, error: `DUPLICATE: gateway ${gateway} lists port ${port} on ${where} more than once; only the first is served` };
  }

  #track(drain: Promise<void>): void {
    this.#draining.add(drain);
    void drain.finally(() => this.#draining.delete(drain));
  }

  async close(graceMs = 10_000): Promise<void> {
    await this.#queue;
    this.#closed = true;
    const servers = [...this.#servers.values()];
    this.#servers.clear();
    await Promise.all([...servers.map((s) => s.drain(graceMs)), ...this.#draining]);
    await this.#pools.destroy();
  }
}

/** Whether two IR clusters differ in their endpoints at most (their other parts the same objects or values). */
function sameButEndpoints(a: ir.BackendCluster, b: ir.BackendCluster): boolean {
  const x = a as unknown as Record<string, unknown>, y = b as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) if (k !== 'endpoints' && x[k] !== y[k]) return false;
  return true;
}
