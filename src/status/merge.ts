// Merges the status translation computed for one object into the status the API server holds:
// GatewayClass and Gateway status is ours entirely; a route's status.parents is shared with other controllers,
// so only entries with our controllerName are replaced. A condition that did not change keeps its lastTransitionTime.
import type { ParentReference } from '../api/gateway.ts';
import type { Condition } from '../api/meta.ts';
import type { ObjectStatus } from './types.ts';
import { keepTransitionTimes, parentRefKey } from './store.ts';

type Parent = { parentRef: ParentReference; controllerName: string; conditions: Condition[] };
type Listener = { name: string; conditions: Condition[] };
type Ancestor = { ancestorRef: ParentReference; controllerName: string; conditions: Condition[] };
type Loose = Record<string, unknown>;

/** The status to write: `ours` merged into `live` (the object's current status, or undefined), times stamped with `now`. */
export function mergeStatus(ours: ObjectStatus, live: unknown, controllerName: string, now: string): Loose {
  const prev = (live && typeof live === 'object' ? live : {}) as Loose;
  const st = structuredClone(ours.status) as Loose;
  if (Array.isArray(st.conditions)) st.conditions = keepTransitionTimes(st.conditions, asArray<Condition>(prev.conditions), now);
  if (Array.isArray(st.listeners)) {
    const before = asArray<Listener>(prev.listeners);
    for (const l of st.listeners as Listener[]) l.conditions = keepTransitionTimes(l.conditions, before.find((p) => p.name === l.name)?.conditions, now);
  }
  if (ours.kind === 'BackendTLSPolicy' || ours.kind === 'XBackendTrafficPolicy') {
    // Policy ancestors are shared like route parents: ours are replaced, other controllers' entries stay.
    const before = asArray<Ancestor>(prev.ancestors);
    const mine = ((st.ancestors ?? []) as Ancestor[]).map((a) => ({
      ...a,
      conditions: keepTransitionTimes(a.conditions, before.find((q) => q.controllerName === a.controllerName && sameRef(q.ancestorRef, a.ancestorRef))?.conditions, now),
    }));
    st.ancestors = [...before.filter((a) => a.controllerName !== controllerName), ...mine];
  } else if (ours.kind !== 'Gateway' && ours.kind !== 'GatewayClass' && ours.kind !== 'ListenerSet') {
    const before = asArray<Parent>(prev.parents);
    const mine = ((st.parents ?? []) as Parent[]).map((p) => ({
      ...p,
      conditions: keepTransitionTimes(p.conditions, before.find((q) => q.controllerName === p.controllerName && sameRef(q.parentRef, p.parentRef))?.conditions, now),
    }));
    // Entries of other controllers stay as they are, where they are; ours (current or stale) are replaced.
    st.parents = [...before.filter((p) => p.controllerName !== controllerName), ...mine];
  }
  return st;
}

function sameRef(a: ParentReference, b: ParentReference): boolean {
  return parentRefKey(a) === parentRefKey(b);
}

function asArray<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}
