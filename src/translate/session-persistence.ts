// sessionPersistence (GEP-1619) of a route rule, or of the XBackendTrafficPolicy of a Service the rule forwards to →
// the IR's session settings. The rule's own setting wins; otherwise the first backendRef whose Service has one gives
// it to the whole rule (the GEP lets implementations apply it to all of a rule's backends alike).
import { createHash } from 'node:crypto';
import type { SessionPersistence } from '../api/policies.ts';
import type * as ir from '../ir/types.ts';
import { headerNameProblem } from '../ir/validate.ts';
import { parseDuration } from './duration.ts';
import type { TrafficPolicies } from './traffic-policy.ts';

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * `scope` names the rule (`Kind/ns/name/rule`): without sessionName each rule gets its own generated name, as the GEP
 * asks (rules never share a session).
 */
export function translateSessionPersistence(sp: SessionPersistence, at: string, scope: string, problems: string[]): ir.SessionPersistence | undefined {
  const before = problems.length;
  const type = sp.type ?? 'Cookie';
  if (type !== 'Cookie' && type !== 'Header') problems.push(`${at}.type ${JSON.stringify(type)} is not supported; use Cookie or Header`);
  if (sp.cookieConfig !== undefined && type !== 'Cookie') problems.push(`${at}.cookieConfig can only be set with type Cookie; remove it or use type Cookie`);
  const lifetime = sp.cookieConfig?.lifetimeType ?? 'Session';
  if (lifetime !== 'Session' && lifetime !== 'Permanent') problems.push(`${at}.cookieConfig.lifetimeType ${JSON.stringify(lifetime)} is not supported; use Session or Permanent`);
  const absolute = seconds(sp.absoluteTimeout, `${at}.absoluteTimeout`, problems);
  const idle = seconds(sp.idleTimeout, `${at}.idleTimeout`, problems);
  if (lifetime === 'Permanent' && sp.absoluteTimeout === undefined) problems.push(`${at}: absoluteTimeout must be set when cookieConfig.lifetimeType is Permanent (it gives the cookie's Max-Age)`);
  const name = sp.sessionName ?? `portico-session-${createHash('sha256').update(scope).digest('hex').slice(0, 10)}`;
  if (sp.sessionName !== undefined) {
    const p = type === 'Header' ? headerNameProblem(name) : COOKIE_NAME.test(name) ? undefined : `cookie name ${JSON.stringify(name)} is not an HTTP token`;
    if (p) problems.push(`${at}.sessionName: ${p}; use letters, digits and - or _`);
  }
  if (problems.length > before) return undefined;
  return {
    type: type as ir.SessionPersistence['type'], name, lifetime: type === 'Cookie' ? lifetime as ir.SessionPersistence['lifetime'] : 'Session',
    ...(absolute !== undefined ? { absoluteTimeoutSeconds: absolute } : {}), ...(idle !== undefined ? { idleTimeoutSeconds: idle } : {}),
  };
}

/** Whole seconds, at least 1 (cookies and the data plane's clock count seconds); undefined when absent. */
function seconds(value: string | undefined, at: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const d = parseDuration(value);
  if (d.problem !== undefined) {
    problems.push(`${at}: ${d.problem}`);
    return undefined;
  }
  if (d.ms < 1000) {
    problems.push(`${at}: ${value} is shorter than one second; use 1s or more`);
    return undefined;
  }
  return Math.ceil(d.ms / 1000);
}

type RuleWithSession = { sessionPersistence?: SessionPersistence; backendRefs?: readonly { group?: string; kind?: string; namespace?: string; name: string }[] };

/** The rule's session settings, its own or its first policy-covered Service's; `{}` when it has none. */
export function ruleSessionPersistence(
  rule: RuleWithSession, routeNs: string, scope: string, at: string, policies: TrafficPolicies, problems: string[],
): { sessionPersistence?: ir.SessionPersistence } {
  let sp = rule.sessionPersistence;
  let where = `${at}.sessionPersistence`;
  if (sp === undefined) {
    for (const ref of rule.backendRefs ?? []) {
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') continue;
      const applied = policies.byService.get(`${ref.namespace ?? routeNs}/${ref.name}`);
      if (applied?.sessionPersistence) {
        sp = applied.sessionPersistence;
        where = `XBackendTrafficPolicy ${applied.policy} spec.sessionPersistence`;
        break;
      }
    }
  }
  if (sp === undefined) return {};
  const out = translateSessionPersistence(sp, where, scope, problems);
  return out ? { sessionPersistence: out } : {};
}
