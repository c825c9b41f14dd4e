// What a route needs beyond its plain filters, compiled once per config: CORS, mirrors, per-backend filters and
// redirects, timeouts, retries and their budgets, external authorization, session persistence. Null when the route
// uses none of them, so plain routes keep the plain forwarding path.
import type * as ir from '../../ir/types.ts';
import { compileWeightedChoice, type WeightedChoice } from '../balancer.ts';
import { retryBudgetFor, type RetryBudget } from '../retry-budget.ts';
import { compileSession, type CompiledSession } from '../session.ts';
import type { RuntimeCluster } from '../upstream.ts';
import type { AttemptPolicy } from './attempts.ts';
import { compileCors, type CompiledCors } from './cors.ts';
import { compileExternalAuth, type CompiledExternalAuth } from './external-auth.ts';
import { compileFilters, type CompiledFilters } from './index.ts';
import { compileMirror, type CompiledMirror } from './mirror.ts';

/** A weighted choice's pick together with the filters, and any redirect, of that backendRef. */
export type PickedBackend = { cluster: RuntimeCluster | null; filters: CompiledFilters; redirect: ir.RedirectAction | null };

export type RoutePolicy = {
  cors: CompiledCors | null;
  mirrors: CompiledMirror[];
  /** Set when some backendRef has filters; replaces the route's plain backend choice. */
  backends: WeightedChoice<PickedBackend> | null;
  /** Null when neither timeouts nor retries are configured. */
  attempts: AttemptPolicy | null;
  /** Retry budgets by cluster name (XBackendTrafficPolicy); null when none applies. */
  budgets: ReadonlyMap<string, RetryBudget> | null;
  auth: CompiledExternalAuth | null;
  session: CompiledSession | null;
};

export function compileRoutePolicy(route: ir.HttpRoute, clusters: ReadonlyMap<string, RuntimeCluster>, prefix: string | null): RoutePolicy | null {
  let cors: CompiledCors | null = null;
  let auth: CompiledExternalAuth | null = null;
  const mirrors: CompiledMirror[] = [];
  for (const f of route.filters) {
    if (f.type === 'CORS') cors = compileCors(f.cors);
    else if (f.type === 'ExternalAuth') auth = compileExternalAuth(f, clusters);
    else if (f.type === 'RequestMirror') {
      const m = compileMirror(f, clusters);
      if (m !== null) mirrors.push(m);
    }
  }
  let backends: WeightedChoice<PickedBackend> | null = null;
  let session: CompiledSession | null = null;
  if (route.action.type === 'Forward') {
    const picks = route.action.backends.map((b) => ({
      value: { cluster: b.cluster === null ? null : (clusters.get(b.cluster) ?? null), filters: compileFilters(b.filters ?? [], prefix), redirect: b.redirect ?? null },
      weight: b.weight,
    }));
    if (route.action.backends.some((b) => (b.filters?.length ?? 0) > 0 || b.redirect !== undefined)) backends = compileWeightedChoice(picks);
    if (route.sessionPersistence) {
      const s = route.source;
      session = compileSession(route.sessionPersistence, `${s.kind}/${s.namespace}/${s.name}/${s.rule}`, picks.map((p) => p.value));
    }
  }
  const attempts = route.timeouts || route.retry ? { ...(route.timeouts ? { timeouts: route.timeouts } : {}), ...(route.retry ? { retry: route.retry } : {}) } : null;
  const budgetSpecs = Object.entries(route.retry?.budgets ?? {});
  const budgets = budgetSpecs.length === 0 ? null : new Map(budgetSpecs.map(([name, spec]) => [name, retryBudgetFor(name, spec)]));
  if (cors === null && mirrors.length === 0 && backends === null && attempts === null && auth === null && session === null) return null;
  return { cors, mirrors, backends, attempts, budgets, auth, session };
}

/** The backend a request goes to, with that backendRef's filters and redirect (null when it has none). */
export type BackendPick = { cluster: RuntimeCluster | null; filters: CompiledFilters | null; redirect: ir.RedirectAction | null };

export function pickBackend(policy: RoutePolicy | null, plain: WeightedChoice<RuntimeCluster | null> | undefined): BackendPick | undefined {
  if (policy?.backends) return policy.backends.pick();
  const cluster = plain?.pick();
  return cluster === undefined ? undefined : { cluster, filters: null, redirect: null };
}

/** As the plain proxy decides: a body is announced by Transfer-Encoding or a non-zero Content-Length. */
export function requestHasBody(headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
