// One HTTPRoute → IR routes (one per rule match), the clusters they use, and what is wrong with it.
// Listener-independent: attachment decides where these routes go.
import type * as gw from '../api/gateway.ts';
import type * as ir from '../ir/types.ts';
import type { BackendResolver, RefProblem } from './backends.ts';
import { translateFilters } from './filters.ts';

export type CompiledRoute = {
  route: gw.HTTPRoute;
  namespace: string;
  routes: ir.HttpRoute[];
  clusters: ir.BackendCluster[];
  /** Unsupported or invalid values: the route is not accepted. */
  unsupported: string[];
  /** Unresolved backend references: the route is accepted, their share answers 500. */
  refProblems: RefProblem[];
};

export function compileHttpRoute(route: gw.HTTPRoute, resolver: BackendResolver): CompiledRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const out: CompiledRoute = { route, namespace, routes: [], clusters: [], unsupported: [], refProblems: [] };
  for (const [i, rule] of (route.spec.rules ?? [{}]).entries()) {
    const at = `spec.rules[${i}]`;
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    const irMatches = matches.map((m, j) => translateMatch(m, `${at}.matches[${j}]`, out.unsupported));
    const prefixOnly = irMatches.every((m) => m.path?.type === 'PathPrefix');
    const f = translateFilters(rule.filters ?? [], at, prefixOnly);
    out.unsupported.push(...f.problems);
    const action: ir.RouteAction = f.redirect ?? forward(rule.backendRefs ?? [], at, namespace, resolver, out);
    for (const [j, match] of irMatches.entries()) {
      out.routes.push({
        name: `httproute/${namespace}/${route.metadata.name}/rule/${i}/match/${j}`,
        source: { kind: 'HTTPRoute', namespace, name: route.metadata.name, rule: i, match: j, ...(rule.name ? { ruleName: rule.name } : {}) },
        match, filters: f.filters, action,
      });
    }
  }
  return out;
}

function forward(refs: readonly gw.HTTPBackendRef[], at: string, ns: string, resolver: BackendResolver, out: CompiledRoute): ir.ForwardAction {
  const backends: ir.WeightedBackend[] = [];
  for (const [k, ref] of refs.entries()) {
    if (ref.filters && ref.filters.length > 0) {
      out.unsupported.push(`${at}.backendRefs[${k}].filters: per-backend filters are not supported yet; move them to the rule's filters`);
    }
    const weight = ref.weight ?? 1;
    const r = resolver.resolve(ref, ns);
    if (r.problem) out.refProblems.push({ reason: r.problem.reason, message: `${at}.backendRefs[${k}]: ${r.problem.message}` });
    else if (!out.clusters.some((c) => c.name === r.cluster.name)) out.clusters.push(r.cluster);
    if (weight > 0) backends.push({ cluster: r.cluster?.name ?? null, weight });
  }
  return { type: 'Forward', backends };
}

function translateMatch(m: gw.HTTPRouteMatch, at: string, problems: string[]): ir.HttpMatch {
  const type = m.path?.type ?? 'PathPrefix';
  let value = m.path?.value ?? '/';
  if (type === 'PathPrefix' && value.length > 1 && value.endsWith('/')) value = value.replace(/\/+$/, '') || '/';
  if (type === 'RegularExpression') checkRegex(value, `${at}.path`, problems);
  if (!['Exact', 'PathPrefix', 'RegularExpression'].includes(type)) problems.push(`${at}.path.type ${type} is not supported; use Exact, PathPrefix or RegularExpression`);
  if (!value.startsWith('/') && type !== 'RegularExpression') problems.push(`${at}.path.value ${JSON.stringify(value)} must start with /`);
  const headers = (m.headers ?? []).map((h, k) => stringMatch(h, `${at}.headers[${k}]`, problems, true));
  const query = (m.queryParams ?? []).map((q, k) => stringMatch(q, `${at}.queryParams[${k}]`, problems, false));
  return { path: { type: type as 'Exact' | 'PathPrefix' | 'RegularExpression', value }, headers, query, ...(m.method ? { method: m.method.toUpperCase() } : {}) };
}

function stringMatch(h: gw.HTTPHeaderMatch, at: string, problems: string[], lower: boolean): ir.StringMatch & { name: string } {
  const type = h.type ?? 'Exact';
  if (type === 'RegularExpression') checkRegex(h.value, at, problems);
  else if (type !== 'Exact') problems.push(`${at}.type ${type} is not supported; use Exact or RegularExpression`);
  return { type: type as 'Exact' | 'RegularExpression', name: lower ? h.name.toLowerCase() : h.name, value: h.value };
}

/** Compiling a RegExp only parses the pattern; nothing from route data is executed. */
function checkRegex(pattern: string, at: string, problems: string[]): void {
  try {
    new RegExp(pattern);
  } catch (e) {
    problems.push(`${at}: invalid regular expression ${JSON.stringify(pattern)} (${(e as Error).message}); fix the pattern`);
  }
}
