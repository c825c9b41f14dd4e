// Route attachment: which listeners of a parent Gateway take a route, through sectionName, port,
// allowedRoutes (kinds and namespaces) and hostname intersection.
import type { Condition, KubeObject, LabelSelector } from '../api/meta.ts';
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import * as c from '../status/conditions.ts';
import type { GatewayInfo } from './gateway.ts';
import type { ListenerInfo } from './listeners.ts';
import { effectiveHostnames } from './hostnames.ts';

/** What attachment reads of a route, whatever its kind (TCPRoute and UDPRoute have no hostnames). */
export type RouteObject = KubeObject & { spec: { parentRefs?: gw.ParentReference[]; hostnames?: string[] } };

export type Attachment = { listener: ListenerInfo; hostnames: string[] };

export type ParentResult =
  | { ok: true; attachments: Attachment[] }
  | { ok: false; condition: Condition };

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The parent Gateway a reference names, or null when it names something else. */
export function parentGatewayKey(ref: gw.ParentReference, routeNamespace: string): string | null {
  if ((ref.group ?? GROUP) !== GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') return null;
  return `${ref.namespace ?? routeNamespace}/${ref.name}`;
}

/** The ListenerSet a reference names (`ns/name`), or null when it names something else. */
export function parentListenerSetKey(ref: gw.ParentReference, routeNamespace: string): string | null {
  if ((ref.group ?? GROUP) !== GROUP || ref.kind !== 'ListenerSet') return null;
  return `${ref.namespace ?? routeNamespace}/${ref.name}`;
}

/**
 * What a route attaches to: a Gateway, or a ListenerSet (its own listeners only; `namespace` is the ListenerSet's, which
 * allowedRoutes `Same` means). `label` names it in messages; a Gateway's is `Gateway <key>`.
 */
export type AttachParent = Pick<GatewayInfo, 'key' | 'namespace' | 'accepted' | 'listeners'> & { label?: string };

export function attachToParent(
  route: RouteObject, ref: gw.ParentReference, parent: AttachParent,
  namespaceLabels: (ns: string) => Record<string, string>,
): ParentResult {
  const gen = route.metadata.generation ?? 1;
  const routeNs = route.metadata.namespace ?? 'default';
  const label = parent.label ?? `Gateway ${parent.key}`;
  const where = `parentRef ${label}${ref.sectionName ? ` sectionName ${ref.sectionName}` : ''}${ref.port ? ` port ${ref.port}` : ''}`;
  const candidates = parent.listeners.filter((l) =>
    (ref.sectionName === undefined || l.spec.name === ref.sectionName) && (ref.port === undefined || l.spec.port === ref.port));
  if (candidates.length === 0) return { ok: false, condition: c.routeNoMatchingParent(gen, `${where} matches no listener`) };
  if (!parent.accepted) {
    const what = parent.label ? 'the ListenerSet' : 'the Gateway';
    return { ok: false, condition: c.routeNotAllowedByListeners(gen, `${where}: ${what} is not accepted`, `fix ${what} (see its Accepted condition)`) };
  }
  // Attachment depends on parentRefs and allowedRoutes only: a listener that is accepted but not programmed (a
  // certificate that does not resolve yet) still counts its routes, as the spec's attachedRoutes asks; it serves
  // nothing until it is programmed.
  const valid = candidates.filter((l) => l.accepted);
  if (valid.length === 0) {
    return { ok: false, condition: c.routeNotAllowedByListeners(gen, `${where}: no matching listener is accepted (${candidates.map((l) => l.problem).join('; ')})`, 'fix the listener or point parentRefs at an accepted one') };
  }
  const allowed = valid.filter((l) =>
    l.supportedKinds.some((k) => k.kind === route.kind) && namespaceAllowed(l.spec, parent.namespace, routeNs, namespaceLabels));
  if (allowed.length === 0) {
    return { ok: false, condition: c.routeNotAllowedByListeners(gen, `${where}: no listener allows ${route.kind}s from namespace ${routeNs}`) };
  }
  const attachments: Attachment[] = [];
  for (const l of allowed) {
    const hostnames = effectiveHostnames(l.hostname, route.spec.hostnames ?? []);
    if (hostnames.length > 0) attachments.push({ listener: l, hostnames });
  }
  if (attachments.length === 0) {
    const lh = allowed.map((l) => `${l.spec.name}=${l.hostname ?? '*'}`).join(', ');
    return { ok: false, condition: c.routeNoMatchingListenerHostname(gen, `${where}: spec.hostnames ${JSON.stringify(route.spec.hostnames ?? [])} match no listener hostname (${lh})`) };
  }
  return { ok: true, attachments };
}

function namespaceAllowed(
  l: gw.Listener, gatewayNs: string, routeNs: string, namespaceLabels: (ns: string) => Record<string, string>,
): boolean {
  const ns = l.allowedRoutes?.namespaces;
  switch (ns?.from ?? 'Same') {
    case 'All': return true;
    case 'Same': return routeNs === gatewayNs;
    case 'Selector': return ns?.selector !== undefined && selectorMatches(ns.selector, namespaceLabels(routeNs));
    default: return false;
  }
}

export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}
