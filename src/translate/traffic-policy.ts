// XBackendTrafficPolicy → what applies to each Service (retry budget, session persistence), and the policies' status.
// One policy per Service: when several target it, the oldest (then the first by namespace/name) wins and the others
// are Conflicted for it. Status ancestors are the Gateways whose config forwards to a targeted Service.
import type { Service } from '../api/core.ts';
import type { Condition } from '../api/meta.ts';
import type { SessionPersistence, XBackendTrafficPolicy } from '../api/policies.ts';
import { CONTROLLER_NAME, GROUP } from '../api/gateway.ts';
import type * as ir from '../ir/types.ts';
import type { ObjectStatus } from '../status/types.ts';
import { parseDuration } from './duration.ts';
import { translateSessionPersistence } from './session-persistence.ts';

/** What one policy gives each Service it wins. */
export type AppliedTrafficPolicy = { policy: string; retryBudget?: ir.RetryBudget; sessionPersistence?: SessionPersistence };

type Analysis = { policy: XBackendTrafficPolicy; key: string; problems: string[]; conflicts: string[]; missing: string[]; targets: string[] };

export class TrafficPolicies {
  /** `ns/name` of a Service → the policy applied to it. */
  readonly byService = new Map<string, AppliedTrafficPolicy>();
  readonly #analyses: Analysis[] = [];

  constructor(policies: readonly XBackendTrafficPolicy[], services: readonly Service[]) {
    const known = new Set(services.map((s) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`));
    const ordered = [...policies].sort(olderFirst);
    for (const policy of ordered) {
      const ns = policy.metadata.namespace ?? 'default';
      const a: Analysis = { policy, key: `${ns}/${policy.metadata.name}`, problems: [], conflicts: [], missing: [], targets: [] };
      this.#analyses.push(a);
      const applied = analyzeSpec(policy, a.key, a.problems);
      for (const [i, ref] of (policy.spec?.targetRefs ?? []).entries()) {
        if ((ref.group ?? '') !== '' || ref.kind !== 'Service') {
          a.problems.push(`spec.targetRefs[${i}] is ${ref.group ? `${ref.group}/` : ''}${ref.kind} ${ref.name}; only core Services can be targeted`);
          continue;
        }
        const svc = `${ns}/${ref.name}`;
        if (!known.has(svc)) a.missing.push(svc);
        else a.targets.push(svc);
      }
      if (a.problems.length > 0) continue;
      for (const svc of a.targets) {
        const holder = this.byService.get(svc);
        if (holder) a.conflicts.push(`Service ${svc} is already targeted by the older XBackendTrafficPolicy ${holder.policy}`);
        else this.byService.set(svc, applied);
      }
    }
  }

  /** Status of every policy, with the Gateways whose config has a cluster of a targeted Service as ancestors. */
  status(proxies: ReadonlyMap<string, ir.ProxyConfig>): ObjectStatus[] {
    const using = new Map<string, string[]>();
    for (const [gateway, config] of proxies) {
      for (const name of Object.keys(config.backends)) {
        const m = /^Service\/([^/]+\/[^/:]+):/.exec(name);
        if (m) using.set(m[1], [...(using.get(m[1]) ?? []), gateway]);
      }
    }
    const gatewaysUsing = (svc: string) => using.get(svc) ?? [];
    return this.#analyses.map((a) => {
      const gen = a.policy.metadata.generation ?? 1;
      const accepted = condition(a, gen);
      const gateways = [...new Set(a.targets.flatMap(gatewaysUsing))].sort();
      return {
        apiVersion: a.policy.apiVersion, kind: 'XBackendTrafficPolicy' as const, namespace: a.policy.metadata.namespace ?? 'default', name: a.policy.metadata.name, generation: gen,
        status: {
          ancestors: gateways.map((g) => {
            const [namespace, name] = g.split('/');
            return { ancestorRef: { group: GROUP, kind: 'Gateway', namespace, name }, controllerName: CONTROLLER_NAME, conditions: [accepted] };
          }),
        },
      };
    });
  }
}

function condition(a: Analysis, gen: number): Condition {
  const c = (ok: boolean, reason: string, message: string): Condition => ({ type: 'Accepted', status: ok ? 'True' : 'False', reason, message, observedGeneration: gen });
  if (a.problems.length > 0) return c(false, 'Invalid', `${a.problems.join('; ')}; fix the policy`);
  if (a.conflicts.length > 0) return c(false, 'Conflicted', `${a.conflicts.join('; ')}; target each Service from one policy only`);
  if (a.targets.length === 0) return c(false, 'TargetNotFound', `no targeted Service exists (${a.missing.join(', ')}); fix spec.targetRefs`);
  return c(true, 'Accepted', 'Policy is accepted');
}

function analyzeSpec(p: XBackendTrafficPolicy, key: string, problems: string[]): AppliedTrafficPolicy {
  const out: AppliedTrafficPolicy = { policy: key };
  const rc = p.spec?.retryConstraint;
  if (rc) {
    const percent = rc.budget?.percent ?? 20;
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) problems.push(`spec.retryConstraint.budget.percent ${percent} must be a whole number from 0 to 100`);
    const intervalMs = ms(rc.budget?.interval ?? '10s', 'spec.retryConstraint.budget.interval', problems);
    if (intervalMs !== undefined && (intervalMs < 1000 || intervalMs > 3_600_000)) problems.push(`spec.retryConstraint.budget.interval ${rc.budget?.interval} must be from 1s to 1h`);
    const count = rc.minRetryRate?.count ?? 10;
    if (!Number.isInteger(count) || count < 0) problems.push(`spec.retryConstraint.minRetryRate.count ${count} must be a whole number, 0 or more`);
    const minMs = ms(rc.minRetryRate?.interval ?? '1s', 'spec.retryConstraint.minRetryRate.interval', problems);
    if (minMs === 0) problems.push('spec.retryConstraint.minRetryRate.interval must be longer than 0s');
    if (intervalMs !== undefined && minMs !== undefined) out.retryBudget = { percent, intervalMs, minRetryCount: count, minRetryIntervalMs: minMs };
  }
  const sp = p.spec?.sessionPersistence;
  if (sp) {
    // Checked here once so a bad setting is reported on the policy, not on every rule that forwards to its Services.
    const before = problems.length;
    translateSessionPersistence(sp, 'spec.sessionPersistence', key, problems);
    if (problems.length === before) out.sessionPersistence = sp;
  }
  return out;
}

function ms(value: string, at: string, problems: string[]): number | undefined {
  const d = parseDuration(value);
  if (d.problem !== undefined) problems.push(`${at}: ${d.problem}`);
  return d.ms;
}

function olderFirst(a: XBackendTrafficPolicy, b: XBackendTrafficPolicy): number {
  const ta = a.metadata.creationTimestamp ?? '\uffff', tb = b.metadata.creationTimestamp ?? '\uffff';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace ?? 'default'}/${a.metadata.name}`, kb = `${b.metadata.namespace ?? 'default'}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
