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
import { compileRouteIndex, type RouteIndex } from './route-index.ts';
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

type CompiledVirtualHost = { hostname: string; routes: CompiledRoute[]; first: RouteIndex<CompiledRoute> };
type CompiledListenerHost = { listener: string; vhosts: CompiledVirtualHost[]; virtualHosts: HostTable<CompiledVirtualHost> };

/**
 * One port's virtual hosts and listener hosts from its last compile, kept by the caller: one whose parts are the same
 * objects in the same order (the same compiled routes; the same compiled virtual hosts) is not indexed again. Each
 * compile replaces what is kept, so it never holds more than the port's current router.
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

/**
 * `clusters` resolves the IR's backend names once, here; the data plane validated the config first, so every name is
 * there. Without it (route selection alone, as the golden tests do) a Forward's backends resolve to null.
 */
export function compileRouter(listener: ir.Listener, clusters: ReadonlyMap<string, RuntimeCluster> = new Map(), reuse?: RouteReuse, hosts?: HostReuse): Router {
  const problems: CompileProblem[] = [];
  const next = newHostReuse();
  const listenerHosts = compileHostTable<CompiledListenerHost>(
    // Layer-4 listeners have no HTTP routes: their router is empty (the data plane serves them elsewhere).
    (listener.protocol === 'HTTP' || listener.protocol === 'HTTPS' ? listener.hosts : [])
      .map((lh) => ({ hostname: lh.hostname, value: compileListenerHost(lh, clusters, problems, reuse, hosts, next) })),
  );
  if (hosts) {
    hosts.virtualHosts = next.virtualHosts;
    hosts.listenerHosts = next.listenerHosts;
  }

  const selectView = (host: string, view: RequestView): RouteSelection | null => {
    const lh = listenerHosts.lookup(host);
    if (lh === undefined) return null;
    const vh = lh.virtualHosts.lookup(host);
    if (vh === undefined) return null;
    const route = vh.first(view);
    return route === undefined ? null : { listener: lh.listener, virtualHost: vh.hostname, route };
  };

  return {
    port: listener.port,
    problems,
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

function compileListenerHost(
  lh: ir.ListenerHost, clusters: Clusters, problems: CompileProblem[], reuse: RouteReuse | undefined, hosts: HostReuse | undefined, next: HostReuse,
): CompiledListenerHost {
  const vhosts = lh.virtualHosts.map((vh) => {
    const routes = vh.routes.map((r) => (reuse ? reused(r, clusters, problems, reuse) : compileRoute(r, clusters, problems)));
    const key = `${lh.listener}\0${vh.hostname}`;
    const kept = hosts?.virtualHosts.get(key);
    const v = kept !== undefined && sameParts(kept.routes, routes) ? kept : { hostname: vh.hostname, routes, first: compileRouteIndex(routes) };
    next.virtualHosts.set(key, v);
    return v;
  });
  const kept = hosts?.listenerHosts.get(lh.listener);
  const out = kept !== undefined && sameParts(kept.vhosts, vhosts)
    ? kept
    : { listener: lh.listener, vhosts, virtualHosts: compileHostTable(vhosts.map((v) => ({ hostname: v.hostname, value: v }))) };
  next.listenerHosts.set(lh.listener, out);
  return out;
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
