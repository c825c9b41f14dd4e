// One GRPCRoute → IR HTTP routes: a gRPC call is an HTTP/2 POST to `/<service>/<method>`, so method matches become
// path matches, and backends are always spoken to over HTTP/2 (h2c) whatever the Service's appProtocol says.
import type { GRPCBackendRef, GRPCMethodMatch, GRPCRoute, GRPCRouteMatch } from '../api/grpcroute.ts';
import type * as ir from '../ir/types.ts';
import { regexProblem } from '../ir/validate.ts';
import type { BackendResolver, RefProblem } from './backends.ts';
import { translateFilters } from './filters.ts';
import { addRule, type CompiledRoute } from './httproute.ts';
import type { RefContext } from './mirror.ts';
import { ruleSessionPersistence } from './session-persistence.ts';

/** The filter types GRPCRoute defines (ExtensionRef aside, which Portico does not support for any route). */
const GRPC_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror']);

export function compileGrpcRoute(route: GRPCRoute, resolver: BackendResolver): CompiledRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const out: CompiledRoute = { route, namespace, routes: [], clusters: [], unsupported: [], validRules: 0, refProblems: [] };
  for (const [i, rule] of (route.spec.rules ?? [{}]).entries()) {
    const at = `spec.rules[${i}]`;
    const problems: string[] = [];
    const clusters: ir.BackendCluster[] = [];
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    const irMatches = matches.map((m, j) => translateMatch(m, `${at}.matches[${j}]`, problems));
    const refProblems: RefProblem[] = [];
    const refs: RefContext = { resolver, namespace, clusters, refProblems };
    const filters = rule.filters ?? [];
    for (const [k, f] of filters.entries()) {
      if (!GRPC_FILTERS.has(f.type)) problems.push(`${at}.filters[${k}].type ${f.type} is not supported on a GRPCRoute; use RequestHeaderModifier, ResponseHeaderModifier or RequestMirror`);
    }
    const f = translateFilters(filters.filter((x) => GRPC_FILTERS.has(x.type)), at, false, refs);
    problems.push(...f.problems);
    const session = ruleSessionPersistence(rule, namespace, `GRPCRoute/${namespace}/${route.metadata.name}/${i}`, at, resolver.trafficPolicies, problems);
    const action = forward(rule.backendRefs ?? [], at, refs, problems, session.sessionPersistence !== undefined);
    addRule(out, { index: i, name: rule.name, problems, refProblems, clusters, matches: irMatches, filters: f.filters, action, extra: session });
  }
  return out;
}

/** `keepZero`: weight-0 backends stay listed, so sessions already on them persist (GEP-1619); new ones never go there. */
function forward(refList: readonly GRPCBackendRef[], at: string, refs: RefContext, problems: string[], keepZero = false): ir.ForwardAction {
  const backends: ir.WeightedBackend[] = [];
  for (const [k, ref] of refList.entries()) {
    const where = `${at}.backendRefs[${k}]`;
    for (const [n, bf] of (ref.filters ?? []).entries()) {
      if (!GRPC_FILTERS.has(bf.type)) problems.push(`${where}.filters[${n}].type ${bf.type} is not supported on a GRPCRoute; use RequestHeaderModifier, ResponseHeaderModifier or RequestMirror`);
    }
    const bf = translateFilters((ref.filters ?? []).filter((x) => GRPC_FILTERS.has(x.type)), where, false, null);
    problems.push(...bf.problems);
    const weight = ref.weight ?? 1;
    const r = refs.resolver.resolve(ref, refs.namespace, 'GRPCRoute');
    const cluster = r.cluster ? asH2c(r.cluster) : null;
    if (r.problem) refs.refProblems.push({ reason: r.problem.reason, message: `${where}: ${r.problem.message}` });
    else if (cluster && !refs.clusters.some((c) => c.name === cluster.name)) refs.clusters.push(cluster);
    if (weight > 0 || keepZero) backends.push({ cluster: cluster?.name ?? null, weight, ...(bf.filters.length > 0 ? { filters: bf.filters } : {}) });
  }
  return { type: 'Forward', backends };
}

/**
 * gRPC needs HTTP/2. A Service port without `appProtocol: kubernetes.io/h2c` gets its own cluster so an HTTPRoute
 * to the same port keeps speaking HTTP/1.1 to it.
 */
function asH2c(cl: ir.BackendCluster): ir.BackendCluster {
  return cl.protocol === 'h2c' ? cl : { ...cl, name: `${cl.name}/grpc`, protocol: 'h2c' };
}

function translateMatch(m: GRPCRouteMatch, at: string, problems: string[]): ir.HttpMatch {
  const headers = (m.headers ?? []).map((h, k) => {
    const type = h.type ?? 'Exact';
    const where = `${at}.headers[${k}]`;
    if (type === 'RegularExpression') checkRegex(h.value, where, problems);
    else if (type !== 'Exact') problems.push(`${where}.type ${type} is not supported; use Exact or RegularExpression`);
    return { type: type as 'Exact' | 'RegularExpression', name: h.name.toLowerCase(), value: h.value };
  });
  const grpc = { service: m.method?.service?.length ?? 0, method: m.method?.method?.length ?? 0 };
  return { path: methodPath(m.method, `${at}.method`, problems), headers, query: [], grpc };
}

/**
 * Exact service and method → Exact path. Anything else → an RE2 full match on `/<service>/<method>`, a missing
 * part matching any one segment. The match's `grpc` character counts rank it (precedence.ts), not the path.
 */
export function methodPath(mm: GRPCMethodMatch | undefined, at: string, problems: string[]): ir.HttpMatch['path'] {
  if (!mm || (mm.service === undefined && mm.method === undefined)) return { type: 'PathPrefix', value: '/' };
  const type = mm.type ?? 'Exact';
  if (type === 'Exact') {
    if (mm.service !== undefined && mm.method !== undefined) return { type: 'Exact', value: `/${mm.service}/${mm.method}` };
    const svc = mm.service !== undefined ? escapeRe(mm.service) : '[^/]+';
    const method = mm.method !== undefined ? escapeRe(mm.method) : '[^/]+';
    return { type: 'RegularExpression', value: `/${svc}/${method}` };
  }
  if (type !== 'RegularExpression') {
    problems.push(`${at}.type ${type} is not supported; use Exact or RegularExpression`);
    return { type: 'PathPrefix', value: '/' };
  }
  if (mm.service !== undefined) checkRegex(mm.service, `${at}.service`, problems);
  if (mm.method !== undefined) checkRegex(mm.method, `${at}.method`, problems);
  return { type: 'RegularExpression', value: `/(?:${mm.service ?? '[^/]+'})/(?:${mm.method ?? '[^/]+'})` };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function checkRegex(pattern: string, at: string, problems: string[]): void {
  const p = regexProblem(pattern);
  if (p) problems.push(`${at}: ${p}; fix the pattern`);
}
