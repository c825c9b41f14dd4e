// Compiles one HTTP or HTTPS listener of the IR into a router: listener host → virtual host → first matching route.
// Everything is built here, at config time; select() only walks precomputed tables and closures.
import type * as ir from '../ir/types.ts';
import { clustersOf } from '../ir/validate.ts';
import { compileWeightedChoice, type WeightedChoice } from './balancer.ts';
import { compileFilters, type CompiledFilters } from './filters/index.ts';
import { compileRoutePolicy, type RoutePolicy } from './filters/route-policy.ts';
import { compileHostTable, hostWithoutPort, type HostTable } from './hosts.ts';
import { compileMatch, type CompileProblem, type Predicate, type RequestView } from './match.ts';
import { matchedPrefix } from './path-rewrite.ts';
import { normalizeTarget } from './request-target.ts';
import { compileRouteIndex, updateRouteIndex, type RouteIndex } from './route-index.ts';
import type { RuntimeCluster } from './upstream.ts';

export type CompiledRoute = {
  name: string;
  route: ir.HttpRoute;
  matches: Predicate;
  /** What ReplacePrefixMatch replaces for this route (null: nothing). */
  prefix: string | null;
  filters: CompiledFilters;
  /** Forward only: picks a cluster, null for an invalid reference, undefined when nothing has weight. */
  backends?: WeightedChoice<RuntimeCluster | null>;
  /** CORS, mirrors, per-backend filters, timeouts, retries; null for a plain route. */
  policy: RoutePolicy | null;
};

export type RouteSelection = { listener: string; virtualHost: string; route: CompiledRoute };

/** A request as the golden tests describe it: `path` may carry a query string, `host` a port. */
export type SelectRequest = { host: string; method: string; path: string; headers?: Record<string, string | string[]> };

export type Router = {
  port: number;
  /** Problems found while compiling (e.g. an invalid regex); the affected matches never succeed. */
  problems: CompileProblem[];
  /** Whether a route name the HostReuse held from the previous compile may be gone (always true without a HostReuse). */
  routesRemoved: boolean;
  /** Whether a route of this name is served. */
  hasRoute(name: string): boolean;
  /** Pure: the route a request reaches, or null (404). */
  select(req: SelectRequest): RouteSelection | null;
  /** The hot-path form: `host` already lower-case without port. */
  selectView(host: string, view: RequestView): RouteSelection | null;
};

/**
 * Compiled routes kept between compiles by their caller (the data plane): an IR route object seen before, whose
 * clusters resolve to the same runtime clusters, is not compiled again. Only for IR that is never changed in place.
 */
export type RouteReuse = WeakMap<ir.HttpRoute, { compiled: CompiledRoute; names: readonly string[]; clusters: readonly (RuntimeCluster | undefined)[]; problems: CompileProblem[] }>;

type CompiledVirtualHost = {
  hostname: string;
  /** The IR routes this was compiled from, to tell what the next IR changed. */
  ir: readonly ir.HttpRoute[];
  index: RouteIndex<CompiledRoute>;
  /** Every cluster name its routes use, with the runtime cluster each resolved to. */
  clusters: ReadonlyMap<string, RuntimeCluster | undefined>;
  problems: readonly CompileProblem[];
  /** Its route names, built on first use (metrics ask only after a route may have gone). */
  names?: Set<string>;
};
type CompiledListenerHost = { listener: string; vhosts: CompiledVirtualHost[]; virtualHosts: HostTable<CompiledVirtualHost> };

/**
 * One port's virtual hosts and listener hosts from its last compile, kept by the caller. A virtual host whose IR
 * routes differ from the kept one's by a few routes is updated (only those are compiled and indexed); a listener host
 * whose virtual hosts are the same objects in the same order is kept as is. Each compile replaces what is kept, so it
 * never holds more than the port's current router.
 */
export type HostReuse = {
  virtualHosts: Map<string, CompiledVirtualHost>;
  listenerHosts: Map<string, CompiledListenerHost>;
};

export function newHostReuse(): HostReuse {
  return { virtualHosts: new Map(), listenerHosts: new Map() };
}

function sameParts<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What compiling with reuse found; `removed`: a route name of the kept compile may be gone (or nothing was kept). */
type Compile = { clusters: Clusters; problems: CompileProblem[]; reuse: RouteReuse | undefined; hosts: HostReuse | undefined; next: HostReuse; removed: boolean };

/**
 * `clusters` resolves the IR's backend names once, here; the data plane validated the config first, so every name is
 * there. Without it (route selection alone, as the golden tests do) a Forward's backends resolve to null.
 */
export function compileRouter(listener: ir.Listener, clusters: ReadonlyMap<string, RuntimeCluster> = new Map(), reuse?: RouteReuse, hosts?: HostReuse): Router {
  const run: Compile = { clusters, problems: [], reuse, hosts: reuse ? hosts : undefined, next: newHostReuse(), removed: hosts === undefined || reuse === undefined };
  // Layer-4 listeners have no HTTP routes: their router is empty (the data plane serves them elsewhere).
  const irHosts = listener.protocol === 'HTTP' || listener.protocol === 'HTTPS' ? listener.hosts : [];
  const compiledHosts = irHosts.map((lh) => compileListenerHost(lh, run));
  const listenerHosts = compileHostTable<CompiledListenerHost>(compiledHosts.map((value, i) => ({ hostname: irHosts[i]!.hostname, value })));
  if (hosts) {
    for (const key of hosts.virtualHosts.keys()) if (!run.next.virtualHosts.has(key)) run.removed = true;
    hosts.virtualHosts = run.next.virtualHosts;
    hosts.listenerHosts = run.next.listenerHosts;
  }

  const selectView = (host: string, view: RequestView): RouteSelection | null => {
    const lh = listenerHosts.lookup(host);
    if (lh === undefined) return null;
    const vh = lh.virtualHosts.lookup(host);
    if (vh === undefined) return null;
    const route = vh.index.first(view);
    return route === undefined ? null : { listener: lh.listener, virtualHost: vh.hostname, route };
  };

  return {
    port: listener.port,
    problems: run.problems,
    routesRemoved: run.removed,
    hasRoute(name) {
      for (const lh of compiledHosts) {
        for (const v of lh.vhosts) if ((v.names ??= new Set(v.index.routes.map((r) => r.name))).has(name)) return true;
      }
      return false;
    },
    selectView,
    select(req) {
      const target = normalizeTarget(req.path);
      if (target === null) return null;
      const host = target.host ?? req.host;
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
      if (target.host !== undefined) headers.host = target.host;
      else headers.host ??= req.host;
      return selectView(hostWithoutPort(host), { method: req.method.toUpperCase(), path: target.path, rawQuery: target.rawQuery, headers });
    },
  };
}

type Clusters = ReadonlyMap<string, RuntimeCluster>;

function compileListenerHost(lh: ir.ListenerHost, run: Compile): CompiledListenerHost {
  const vhosts = lh.virtualHosts.map((vh) => {
    const key = `${lh.listener}\0${vh.hostname}`;
    const v = compileVirtualHost(vh, run.hosts?.virtualHosts.get(key), run);
    run.problems.push(...v.problems);
    run.next.virtualHosts.set(key, v);
    return v;
  });
  const kept = run.hosts?.listenerHosts.get(lh.listener);
  const out = kept !== undefined && sameParts(kept.vhosts, vhosts)
    ? kept
    : { listener: lh.listener, vhosts, virtualHosts: compileHostTable(vhosts.map((v) => ({ hostname: v.hostname, value: v }))) };
  run.next.listenerHosts.set(lh.listener, out);
  return out;
}

function compileVirtualHost(vh: ir.VirtualHost, kept: CompiledVirtualHost | undefined, run: Compile): CompiledVirtualHost {
  const { clusters, reuse } = run;
  if (kept !== undefined && reuse !== undefined) {
    const updated = updateVirtualHost(vh, kept, run, reuse);
    if (updated !== undefined) return updated;
  }
  const problems: CompileProblem[] = [];
  const routes = vh.routes.map((r) => (reuse ? reused(r, clusters, problems, reuse) : compileRoute(r, clusters, problems)));
  if (kept !== undefined) {
    // The same compiled routes (of the same IR routes) in the same order: nothing to index again.
    if (sameParts(kept.index.routes, routes)) return kept;
    run.removed = true;
  }
  const used = new Map<string, RuntimeCluster | undefined>();
  if (reuse) for (const r of vh.routes) for (const n of reuse.get(r)!.names) used.set(n, clusters.get(n));
  return { hostname: vh.hostname, ir: vh.routes, index: compileRouteIndex(routes), clusters: used, problems };
}

/**
 * `kept` changed by what differs between its IR routes and `vh`'s (one contiguous run: the common start and end are
 * kept), or undefined when it cannot be or should not: a cluster its routes use changed, it has compile problems (their
 * order is simplest to get right by compiling the whole virtual host), or most of its routes changed.
 */
function updateVirtualHost(vh: ir.VirtualHost, kept: CompiledVirtualHost, run: Compile, reuse: RouteReuse): CompiledVirtualHost | undefined {
  if (kept.problems.length > 0) return undefined;
  for (const [name, runtime] of kept.clusters) if (run.clusters.get(name) !== runtime) return undefined;
  const a = kept.ir, b = vh.routes;
  if (a === b) return kept;
  const min = Math.min(a.length, b.length);
  let start = 0;
  while (start < min && a[start] === b[start]) start++;
  let end = 0;
  while (end < min - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const removed = a.length - start - end;
  if (removed === 0 && a.length === b.length) return kept;
  // When most routes changed (config from a fresh parse: every object is new), compiling them all is cheaper.
  if (removed + b.length - start - end > b.length / 2) return undefined;
  const added = b.slice(start, b.length - end);
  const problems: CompileProblem[] = [];
  const inserted = added.map((r) => reused(r, run.clusters, problems, reuse));
  if (problems.length > 0) return undefined;
  let used = kept.clusters;
  for (const r of added) {
    for (const n of reuse.get(r)!.names) {
      if (used.has(n)) continue;
      if (used === kept.clusters) used = new Map(kept.clusters);
      (used as Map<string, RuntimeCluster | undefined>).set(n, run.clusters.get(n));
    }
  }
  if (removed > 0) {
    const still = new Set(added.map((r) => r.name));
    for (let i = start; i < start + removed; i++) if (!still.has(a[i]!.name)) run.removed = true;
  }
  return { hostname: vh.hostname, ir: b, index: updateRouteIndex(kept.index, start, removed, inserted), clusters: used, problems };
}

function reused(route: ir.HttpRoute, clusters: Clusters, problems: CompileProblem[], reuse: RouteReuse): CompiledRoute {
  const hit = reuse.get(route);
  if (hit !== undefined && hit.names.every((n, i) => clusters.get(n) === hit.clusters[i])) {
    problems.push(...hit.problems);
    return hit.compiled;
  }
  const names = hit?.names ?? clustersOf(route);
  const mine: CompileProblem[] = [];
  const compiled = compileRoute(route, clusters, mine);
  problems.push(...mine);
  reuse.set(route, { compiled, names, clusters: names.map((n) => clusters.get(n)), problems: mine });
  return compiled;
}

function compileRoute(route: ir.HttpRoute, clusters: Clusters, problems: CompileProblem[]): CompiledRoute {
  const prefix = matchedPrefix(route.match);
  const compiled: CompiledRoute = {
    name: route.name,
    route,
    matches: compileMatch(route.name, route.match, problems),
    prefix,
    filters: compileFilters(route.filters, prefix),
    policy: compileRoutePolicy(route, clusters, prefix),
  };
  if (route.action.type === 'Forward') {
    compiled.backends = compileWeightedChoice(
      route.action.backends.map((b) => ({ value: b.cluster === null ? null : (clusters.get(b.cluster) ?? null), weight: b.weight })),
    );
  }
  return compiled;
}
