// Route status and attachment across every parent: which listeners take which compiled routes.
import type { Condition } from '../api/meta.ts';
import type * as gw from '../api/gateway.ts';
import { CONTROLLER_NAME, GROUP } from '../api/gateway.ts';
import type { ObjectStatus } from '../status/types.ts';
import * as c from '../status/conditions.ts';
import type { RouteKind } from '../api/l4routes.ts';
import { attachToParent, parentGatewayKey, parentListenerSetKey, type AttachParent, type RouteObject } from './attach.ts';
import type { RefProblem } from './backends.ts';
import type { GatewayInfo } from './gateway.ts';
import type { CompiledRoute } from './httproute.ts';
import { byAge, KindIndex } from './kind-conflicts.ts';

/** What attachment and route status read of a compiled route of any kind. */
export type AttachableRoute = {
  route: RouteObject & { kind: RouteKind };
  namespace: string;
  unsupported: string[];
  validRules: number;
  refProblems: RefProblem[];
};

export type ListenerRoutes<T extends AttachableRoute = CompiledRoute> = { route: T; hostnames: string[] };

/** `gatewayKey/listenerName` → routes attached to that listener, one entry per route. */
export type AttachedIndex<T extends AttachableRoute = CompiledRoute> = Map<string, Map<string, ListenerRoutes<T>>>;

export const listenerId = (gateway: string, listener: string) => `${gateway}/${listener}`;

export function attachRoutes<T extends AttachableRoute>(
  compiled: readonly T[], gateways: ReadonlyMap<string, GatewayInfo>,
  namespaceLabels: (ns: string) => Record<string, string>,
  /** ListenerSets of our Gateways by `ns/name`; their key files attachments apart from the Gateway's own listeners. */
  listenerSets: ReadonlyMap<string, AttachParent> = new Map(),
): { attached: AttachedIndex<T>; status: ObjectStatus[] } {
  const attached: AttachedIndex<T> = new Map();
  const kinds = new KindIndex();
  const status: ObjectStatus[] = [];
  // Oldest first: when an HTTPRoute and a GRPCRoute claim one hostname on a listener, the older one is there first.
  for (const cr of byAge(compiled)) {
    const r = cr.route;
    const gen = r.metadata.generation ?? 1;
    const resolved = resolvedRefs(cr, gen);
    const parents: gw.RouteParentStatus[] = [];
    for (const ref of r.spec.parentRefs ?? []) {
      const key = parentGatewayKey(ref, cr.namespace);
      const parent: AttachParent | undefined = key !== null ? gateways.get(key) : listenerSets.get(parentListenerSetKey(ref, cr.namespace) ?? '');
      if (!parent) continue;
      const result = attachToParent(r, ref, parent, namespaceLabels);
      let accepted: Condition;
      const partial: Condition[] = [];
      if (!result.ok) accepted = result.condition;
      else if (cr.unsupported.length > 0 && cr.validRules === 0) {
        accepted = c.routeUnsupportedValue(gen, `no rule is valid: ${cr.unsupported.join('; ')}`);
      } else {
        if (cr.unsupported.length > 0) partial.push(c.routePartiallyInvalid(gen, `rules left out: ${cr.unsupported.join('; ')}`));
        accepted = c.routeAccepted(gen);
        const refused: string[] = [];
        for (const a of result.attachments) {
          const id = listenerId(parent.key, a.listener.spec.name);
          const conflict = kinds.conflict(id, r.kind, a.hostnames);
          if (conflict !== null) {
            refused.push(`listener ${a.listener.spec.name} already serves hostname(s) ${a.hostnames.join(', ')} with the older ${conflict}`);
            continue;
          }
          const byRoute = attached.get(id) ?? new Map<string, ListenerRoutes<T>>();
          attached.set(id, byRoute);
          const routeKey = `${r.kind}/${cr.namespace}/${r.metadata.name}`;
          const prev = byRoute.get(routeKey);
          byRoute.set(routeKey, { route: cr, hostnames: [...new Set([...(prev?.hostnames ?? []), ...a.hostnames])] });
          kinds.add(id, r.kind, `${r.kind} ${cr.namespace}/${r.metadata.name}`, a.hostnames);
        }
        if (refused.length === result.attachments.length) {
          accepted = c.routeNotAllowedByListeners(gen, `${refused.join('; ')}; an HTTPRoute and a GRPCRoute cannot share a hostname on one listener`,
            'give the two routes different hostnames or attach them to different listeners');
          partial.length = 0;
        }
      }
      parents.push({ parentRef: storedParentRef(ref), controllerName: CONTROLLER_NAME, conditions: [accepted, resolved, ...partial] });
    }
    if (parents.length > 0) {
      status.push({ apiVersion: r.apiVersion, kind: r.kind, namespace: cr.namespace, name: r.metadata.name, generation: gen, status: { parents } });
    }
  }
  return { attached, status };
}

/**
 * The parentRef as the API server stores it: group and kind defaulted, keys in its (alphabetical) order. File and Kubernetes
 * mode then report the same status for the same manifest.
 */
function storedParentRef(ref: gw.ParentReference): gw.ParentReference {
  const out: gw.ParentReference = { group: ref.group ?? GROUP, kind: ref.kind ?? 'Gateway', name: ref.name };
  if (ref.namespace !== undefined) out.namespace = ref.namespace;
  if (ref.port !== undefined) out.port = ref.port;
  if (ref.sectionName !== undefined) out.sectionName = ref.sectionName;
  return out;
}

function resolvedRefs(cr: AttachableRoute, gen: number): Condition {
  const first = cr.refProblems[0];
  if (!first) return c.routeResolvedRefs(gen);
  const message = cr.refProblems.map((p) => p.message).join('; ');
  switch (first.reason) {
    case 'RefNotPermitted': return c.routeRefNotPermitted(gen, message);
    case 'InvalidKind': return c.routeInvalidKind(gen, message);
    default: return c.routeBackendNotFound(gen, message);
  }
}
