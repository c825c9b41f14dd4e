// The data plane: apply() compiles every config off to the side, then binds new ports, swaps snapshots on kept
// ones and drains the ones that are gone. Calls to apply() run one after another.
import type * as ir from '../ir/types.ts';
import type { ApplyResult, DataPlane, DataPlaneOptions, ListenerBindResult } from './contract.ts';
import type { HandlerContext, Snapshot } from './handler.ts';
import { DEFAULT_LIMITS, ListenerServer, type ServerLimits } from './listener.ts';
import { createMetrics } from './metrics.ts';
import { compileRouter } from './router.ts';
import { compileClusters, UpstreamPools, type UpstreamTimeouts } from './upstream.ts';

/** The contract's options plus tuning knobs (tests shorten timeouts with them). */
export type DataPlaneSettings = DataPlaneOptions & {
  upstreamTimeouts?: Partial<UpstreamTimeouts>;
  serverLimits?: Partial<ServerLimits>;
  /** How long a removed port waits for its requests in flight before closing their connections. */
  drainGraceMs?: number;
  /** Operational warnings (refused endpoints, bad regexes); default: a JSON line on stderr. */
  warn?: (message: string) => void;
};

const DEFAULT_TIMEOUTS: UpstreamTimeouts = { connectMs: 10_000, headersMs: 60_000, bodyMs: 300_000 };

export function createDataPlane(options: DataPlaneSettings = {}): DataPlane {
  return new PorticoDataPlane(options);
}

type Wanted = { gateway: ir.GatewayKey; address: string | null; port: number; snapshot: Snapshot };

class PorticoDataPlane implements DataPlane {
  readonly #servers = new Map<string, ListenerServer>();
  readonly #pools: UpstreamPools;
  readonly #ctx: HandlerContext;
  readonly #limits: ServerLimits;
  readonly #allowLoopback: boolean;
  readonly #drainGraceMs: number;
  readonly #draining = new Set<Promise<void>>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: DataPlaneSettings) {
    const sink = options.warn ?? ((message: string) => process.stderr.write(JSON.stringify({ level: 'warn', component: 'dataplane', message }) + '\n'));
    // Every apply recompiles everything: say each distinct problem once, not once per config version.
    const said = new Set<string>();
    const warn = (message: string) => {
      if (said.has(message)) return;
      said.add(message);
      sink(message);
    };
    this.#pools = new UpstreamPools({ ...DEFAULT_TIMEOUTS, ...options.upstreamTimeouts });
    this.#ctx = { metrics: createMetrics(options.metricsRegistry), accessLog: options.accessLog ?? null, warn };
    this.#limits = { ...DEFAULT_LIMITS, ...options.serverLimits };
    this.#allowLoopback = options.allowLoopbackEndpoints ?? false;
    this.#drainGraceMs = options.drainGraceMs ?? 30_000;
  }

  apply(configs: readonly ir.ProxyConfig[]): Promise<ApplyResult[]> {
    const run = this.#queue.then(() => this.#apply(configs));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(configs: readonly ir.ProxyConfig[]): Promise<ApplyResult[]> {
    if (this.#closed) throw new Error('data plane is closed: apply() was called after close(); create a new data plane');
    const usedEndpoints = new Set<string>();
    const wanted = new Map<string, Wanted>();
    const results: ApplyResult[] = [];
    const pending: (() => Promise<void>)[] = [];

    // Compile everything before touching a server: a swap then only replaces references.
    for (const config of configs) {
      const result: ApplyResult = { gateway: config.gateway, version: config.version, listeners: [] };
      results.push(result);
      const clusters = compileClusters(config.backends, this.#pools, this.#allowLoopback, usedEndpoints, this.#ctx.warn);
      const addresses = config.addresses.length === 0 ? [null] : config.addresses;
      for (const listener of config.listeners) {
        const router = compileRouter(listener);
        for (const p of router.problems) this.#ctx.warn(`gateway ${config.gateway} port ${listener.port}, route ${p.route}: ${p.message}`);
        for (const address of addresses) {
          const key = `${config.gateway}|${address ?? '*'}|${listener.port}`;
          if (wanted.has(key)) {
            result.listeners.push(this.#duplicate(config.gateway, address, listener.port));
            continue;
          }
          const snapshot: Snapshot = { gateway: config.gateway, port: listener.port, router, clusters };
          wanted.set(key, { gateway: config.gateway, address, port: listener.port, snapshot });
          const slot = result.listeners.length;
          result.listeners.push({ port: listener.port, address: address ?? '::', bound: false });
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
    await Promise.all(pending.map((start) => start()));
    this.#pools.retainOnly(usedEndpoints);
    return results;
  }

  async #bindOrSwap(key: string, want: Wanted): Promise<ListenerBindResult> {
    const existing = this.#servers.get(key);
    if (existing !== undefined) {
      existing.swap(want.snapshot);
      return { port: existing.port, address: existing.address, bound: true };
    }
    const { listener, result } = await ListenerServer.bind(want.address, want.port, want.snapshot, this.#ctx, this.#limits);
    if (listener !== undefined) {
      this.#servers.set(key, listener);
    } else {
      this.#ctx.warn(`gateway ${want.gateway}: cannot bind ${want.address ?? 'all interfaces'} port ${want.port}: ${result.error}`);
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
