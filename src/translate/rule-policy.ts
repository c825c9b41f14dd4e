// rules[].timeouts and rules[].retry → IR route policy. Durations follow GEP-2257; `0s` disables a timeout.
import type * as gw from '../api/gateway.ts';
import type * as ir from '../ir/types.ts';
import { parseDuration } from './duration.ts';
import type { TrafficPolicies } from './traffic-policy.ts';

/** `spec.rules[].retry` (experimental channel); not yet in our API types. */
export type HTTPRouteRetry = { codes?: number[]; attempts?: number; backoff?: string };

export type RulePolicy = { timeouts?: ir.RouteTimeouts; retry?: ir.RetryPolicy };

/** Used when `attempts` is not given: the spec leaves it to the implementation. */
const DEFAULT_ATTEMPTS = 1;

export function translateRulePolicy(rule: gw.HTTPRouteRule, at: string, problems: string[]): RulePolicy {
  const out: RulePolicy = {};
  const t = rule.timeouts;
  if (t) {
    const request = duration(t.request, `${at}.timeouts.request`, problems);
    const backend = duration(t.backendRequest, `${at}.timeouts.backendRequest`, problems);
    if (request && backend && backend > request) {
      problems.push(`${at}.timeouts: backendRequest (${t.backendRequest}) cannot be longer than request (${t.request}); shorten backendRequest`);
    }
    const timeouts: ir.RouteTimeouts = { ...(request ? { requestMs: request } : {}), ...(backend ? { backendRequestMs: backend } : {}) };
    if (Object.keys(timeouts).length > 0) out.timeouts = timeouts;
  }
  const r = (rule as { retry?: HTTPRouteRetry }).retry;
  if (r) {
    const codes = r.codes ?? [];
    for (const [i, code] of codes.entries()) {
      if (!Number.isInteger(code) || code < 400 || code > 599) problems.push(`${at}.retry.codes[${i}]: ${code} is not a 4xx or 5xx status code`);
    }
    const attempts = r.attempts ?? DEFAULT_ATTEMPTS;
    if (!Number.isInteger(attempts) || attempts < 0) problems.push(`${at}.retry.attempts: ${attempts} must be a whole number, 0 or more`);
    const backoff = duration(r.backoff, `${at}.retry.backoff`, problems) ?? 0;
    out.retry = { codes: [...new Set(codes)].sort((a, b) => a - b), attempts, backoffMs: backoff };
  }
  return out;
}

/**
 * Puts the retry budgets of the Services behind `clusters` (the rule's) on its retry policy; a cluster's name is
 * `Service/<ns>/<name>:<port>`, with a `/grpc` suffix for GRPCRoute's HTTP/2 copies.
 */
export function withRetryBudgets(policy: RulePolicy, clusters: readonly ir.BackendCluster[], policies: TrafficPolicies): RulePolicy {
  if (!policy.retry) return policy;
  const budgets: Record<string, ir.RetryBudget> = {};
  for (const c of [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const m = /^Service\/([^/]+\/[^/:]+):/.exec(c.name);
    const budget = m ? policies.byService.get(m[1])?.retryBudget : undefined;
    if (budget) budgets[c.name] = budget;
  }
  return Object.keys(budgets).length === 0 ? policy : { ...policy, retry: { ...policy.retry, budgets } };
}

/** Milliseconds; undefined when absent, zero (disabled) or invalid (reported). */
function duration(value: string | undefined, at: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const d = parseDuration(value);
  if (d.problem !== undefined) {
    problems.push(`${at}: ${d.problem}`);
    return undefined;
  }
  return d.ms === 0 ? undefined : d.ms;
}
