// RequestMirror → an IR mirror filter whose backend is resolved like a backendRef. An unresolved mirror is dropped
// (the spec: not configured, ResolvedRefs False with the reason); the rule still serves its primary backends.
import type * as gw from '../api/gateway.ts';
import type * as ir from '../ir/types.ts';
import type { BackendResolver, RefProblem } from './backends.ts';

/** What resolving references inside filters needs: the route's namespace, and where to put clusters and problems. */
export type RefContext = {
  resolver: BackendResolver;
  namespace: string;
  clusters: ir.BackendCluster[];
  refProblems: RefProblem[];
};

type MirrorSpec = NonNullable<gw.HTTPRouteFilter['requestMirror']>;

export function translateMirror(m: MirrorSpec | undefined, at: string, refs: RefContext, problems: string[]): ir.RequestMirrorFilter | undefined {
  if (!m?.backendRef) {
    problems.push(`${at}: requestMirror.backendRef is required; name the Service to mirror to`);
    return undefined;
  }
  const fraction = mirrorFraction(m, at, problems);
  if (fraction === null) return undefined;
  const r = refs.resolver.resolve(m.backendRef, refs.namespace);
  if (r.problem) {
    refs.refProblems.push({ reason: r.problem.reason, message: `${at}.requestMirror: ${r.problem.message}` });
    return undefined;
  }
  if (!refs.clusters.some((c) => c.name === r.cluster.name)) refs.clusters.push(r.cluster);
  return { type: 'RequestMirror', cluster: r.cluster.name, ...(fraction ? { fraction } : {}) };
}

/** undefined: every request; null: invalid (reported). */
function mirrorFraction(m: MirrorSpec, at: string, problems: string[]): ir.RequestMirrorFilter['fraction'] | null | undefined {
  if (m.percent !== undefined && m.fraction !== undefined) {
    problems.push(`${at}.requestMirror: percent and fraction cannot both be set; keep one`);
    return null;
  }
  if (m.percent !== undefined) {
    if (!Number.isInteger(m.percent) || m.percent < 0 || m.percent > 100) {
      problems.push(`${at}.requestMirror.percent: ${m.percent} must be a whole number from 0 to 100`);
      return null;
    }
    return m.percent === 100 ? undefined : { numerator: m.percent, denominator: 100 };
  }
  if (m.fraction !== undefined) {
    const { numerator, denominator = 100 } = m.fraction;
    if (!Number.isInteger(numerator) || !Number.isInteger(denominator) || numerator < 0 || denominator < 1 || numerator > denominator) {
      problems.push(`${at}.requestMirror.fraction: ${numerator}/${denominator} must have 0 <= numerator <= denominator and denominator >= 1`);
      return null;
    }
    return numerator === denominator ? undefined : { numerator, denominator };
  }
  return undefined;
}
