// What a route needs beyond its plain filters, compiled once per config: CORS, mirrors, per-backend filters,
// timeouts and retries. Null when the route uses none of them, so plain routes keep the plain forwarding path.
import type * as ir from '../../ir/types.ts';
import { compileWeightedChoice, type WeightedChoice } from '../balancer.ts';
import type { RuntimeCluster } from '../upstream.ts';
import type { AttemptPolicy } from './attempts.ts';
import { compileCors, type CompiledCors } from './cors.ts';
import { compileFilters, type CompiledFilters } from './index.ts';
import { compileMirror, type CompiledMirror } from './mirror.ts';

/** A weighted choice's pick together with the filters of that backendRef. */
export type PickedBackend = { cluster: RuntimeCluster | null; filters: CompiledFilters };

export type RoutePolicy = {
  cors: CompiledCors | null;
  mirrors: CompiledMirror[];
  /** Set when some backendRef has filters; replaces the route's plain backend choice. */
  backends: WeightedChoice<PickedBackend> | null;
  /** Null when neither timeouts nor retries are configured. */
  attempts: AttemptPolicy | null;
};

export function compileRoutePolicy(route: ir.HttpRoute, clusters: ReadonlyMap<string, RuntimeCluster>, prefix: string | null): RoutePolicy | null {
  let cors: CompiledCors | null = null;
  const mirrors: CompiledMirror[] = [];
  for (const f of route.filters) {
    if (f.type === 'CORS') cors = compileCors(f.cors);
    else if (f.type === 'RequestMirror') {
      const m = compileMirror(f, clusters);
      if (m !== null) mirrors.push(m);
    }
  }
  let backends: WeightedChoice<PickedBackend> | null = null;
  if (route.action.type === 'Forward' && route.action.backends.some((b) => (b.filters?.length ?? 0) > 0)) {
    backends = compileWeightedChoice(route.action.backends.map((b) => ({
      value: { cluster: b.cluster === null ? null : (clusters.get(b.cluster) ?? null), filters: compileFilters(b.filters ?? [], prefix) },
      weight: b.weight,
    })));
  }
  const attempts = route.timeouts || route.retry ? { ...(route.timeouts ? { timeouts: route.timeouts } : {}), ...(route.retry ? { retry: route.retry } : {}) } : null;
  if (cors === null && mirrors.length === 0 && backends === null && attempts === null) return null;
  return { cors, mirrors, backends, attempts };
}

/** The backend a request goes to, with that backendRef's filters (null when it has none). */
export type BackendPick = { cluster: RuntimeCluster | null; filters: CompiledFilters | null };

export function pickBackend(policy: RoutePolicy | null, plain: WeightedChoice<RuntimeCluster | null> | undefined): BackendPick | undefined {
  if (policy?.backends) return policy.backends.pick();
  const cluster = plain?.pick();
  return cluster === undefined ? undefined : { cluster, filters: null };
}

/** As the plain proxy decides: a body is announced by Transfer-Encoding or a non-zero Content-Length. */
export function requestHasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
