// One HTTPRoute → IR routes (one per rule match), the clusters they use, and what is wrong with it.
// Listener-independent: attachment decides where these routes go.
import type * as gw from '../api/gateway.ts';
import type { GRPCRoute } from '../api/grpcroute.ts';
import type * as ir from '../ir/types.ts';
import { regexProblem } from '../ir/validate.ts';
import type { BackendResolver, RefProblem } from './backends.ts';
import { translateFilters } from './filters.ts';
import type { RefContext } from './mirror.ts';
import { translateRulePolicy, withRetryBudgets } from './rule-policy.ts';
import { ruleSessionPersistence } from './session-persistence.ts';

export type CompiledRoute = {
  route: gw.HTTPRoute | GRPCRoute;
  namespace: string;
  routes: ir.HttpRoute[];
  clusters: ir.BackendCluster[];
  /** Unsupported or invalid values; the rules holding them are left out (PartiallyInvalid, or not accepted when none is left). */
  unsupported: string[];
  /** Rules that compiled; `routes` and `clusters` come from these only. */
  validRules: number;
  /** Unresolved backend references: the route is accepted, their share answers 500. */
  refProblems: RefProblem[];
};

export function compileHttpRoute(route: gw.HTTPRoute, resolver: BackendResolver): CompiledRoute {
  const namespace = route.metadata.namespace ?? 'default';
  const out: CompiledRoute = { route, namespace, routes: [], clusters: [], unsupported: [], validRules: 0, refProblems: [] };
  for (const [i, rule] of (route.spec.rules ?? [{}]).entries()) {
    const at = `spec.rules[${i}]`;
    // Per rule, so one bad rule drops itself, not the route (spec: invalid rules and PartiallyInvalid).
    const problems: string[] = [];
    const clusters: ir.BackendCluster[] = [];
    const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
    const irMatches = matches.map((m, j) => translateMatch(m, `${at}.matches[${j}]`, problems));
    const prefixOnly = irMatches.every((m) => m.path?.type === 'PathPrefix');
    const refProblems: RefProblem[] = [];
    const refs: RefContext = { resolver, namespace, clusters, refProblems };
    const f = translateFilters(rule.filters ?? [], at, prefixOnly, refs);
    problems.push(...f.problems);
    const policy = translateRulePolicy(rule, at, problems);
    const session = ruleSessionPersistence(rule, namespace, `HTTPRoute/${namespace}/${route.metadata.name}/${i}`, at, resolver.trafficPolicies, problems);
    const action: ir.RouteAction = f.redirect ?? forward(rule.backendRefs ?? [], at, refs, prefixOnly, problems, session.sessionPersistence !== undefined);
    addRule(out, { index: i, name: rule.name, problems, refProblems, clusters, matches: irMatches, filters: f.filters, action, extra: { ...withRetryBudgets(policy, clusters, resolver.trafficPolicies), ...session } });
  }
  return out;
}

/** What one rule compiled to; `extra` holds rule-level settings (timeouts, retry) copied onto each route. */
export type CompiledRule = {
  index: number;
  name?: string;
  problems: string[];
  refProblems: RefProblem[];
  clusters: ir.BackendCluster[];
  matches: ir.HttpMatch[];
  filters: ir.HttpFilter[];
  action: ir.RouteAction;
  extra?: Partial<ir.HttpRoute>;
};

/**
 * Adds a compiled rule to its route, HTTPRoute or GRPCRoute alike: a rule with problems is left out on its own
 * (the spec's invalid rules and PartiallyInvalid); a good one gives one IR route per match.
 */
export function addRule(out: CompiledRoute, r: CompiledRule): void {
  out.refProblems.push(...r.refProblems);
  if (r.problems.length > 0) {
    out.unsupported.push(...r.problems);
    return;
  }
  out.validRules++;
  for (const cl of r.clusters) if (!out.clusters.some((c) => c.name === cl.name)) out.clusters.push(cl);
  const kind = out.route.kind;
  const name = out.route.metadata.name;
  for (const [j, match] of r.matches.entries()) {
    out.routes.push({
      name: `${kind.toLowerCase()}/${out.namespace}/${name}/rule/${r.index}/match/${j}`,
      source: { kind, namespace: out.namespace, name, rule: r.index, match: j, ...(r.name ? { ruleName: r.name } : {}) },
      match, filters: r.filters, action: r.action, ...r.extra,
    });
  }
}

/** `keepZero`: weight-0 backends stay listed, so sessions already on them persist (GEP-1619); new ones never go there. */
function forward(refList: readonly gw.HTTPBackendRef[], at: string, refs: RefContext, prefixOnly: boolean, problems: string[], keepZero = false): ir.ForwardAction {
  const backends: ir.WeightedBackend[] = [];
  for (const [k, ref] of refList.entries()) {
    const where = `${at}.backendRefs[${k}]`;
    const bf = translateFilters(ref.filters ?? [], where, prefixOnly, null);
    problems.push(...bf.problems);
    const weight = ref.weight ?? 1;
    const r = refs.resolver.resolve(ref, refs.namespace);
    if (r.problem) refs.refProblems.push({ reason: r.problem.reason, message: `${where}: ${r.problem.message}` });
    else if (!refs.clusters.some((c) => c.name === r.cluster.name)) refs.clusters.push(r.cluster);
    if (weight > 0 || keepZero) backends.push({ cluster: r.cluster?.name ?? null, weight, ...(bf.filters.length > 0 ? { filters: bf.filters } : {}), ...(bf.redirect ? { redirect: bf.redirect } : {}) });
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

/** The data plane matches with RE2 (linear time), so patterns are checked against RE2's syntax, not V8's. */
function checkRegex(pattern: string, at: string, problems: string[]): void {
  const p = regexProblem(pattern);
  if (p) problems.push(`${at}: ${p}; fix the pattern`);
}
