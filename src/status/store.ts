// Keeps the last status of every object and stamps lastTransitionTime the way the API server's clients do:
// a condition that did not change keeps its time, a changed one gets "now".
import type { ParentReference } from '../api/gateway.ts';
import { rfc3339, type Condition } from '../api/meta.ts';
import type { ObjectStatus, StatusSnapshot } from './types.ts';

/** One item of `GET /status` and `portico validate -o json`: the object as Kubernetes stores its status. */
export type StatusItem = {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string; name: string; generation: number };
  status: ObjectStatus['status'];
};

export class StatusStore {
  #byId = new Map<string, ObjectStatus>();
  /** Last update's inputs → their id and stamped status: translation hands back the same object for what it did not redo. */
  #byInput = new WeakMap<ObjectStatus, { id: string; stamped: ObjectStatus }>();
  #current: StatusSnapshot = [];
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Replaces the stored status with `next` (objects not in it are gone) and returns it with times stamped. An input
   * object given to the previous update again is not stamped again: its stamped status is returned as it was.
   */
  update(next: StatusSnapshot): StatusSnapshot {
    const now = rfc3339(this.#now());
    const byId = new Map<string, ObjectStatus>();
    const byInput = new WeakMap<ObjectStatus, { id: string; stamped: ObjectStatus }>();
    const out = next.map((s) => {
      let entry = this.#byInput.get(s);
      if (entry === undefined || this.#byId.get(entry.id) !== entry.stamped || byId.has(entry.id)) {
        const id = statusId(s);
        entry = { id, stamped: stamp(s, this.#byId.get(id), now) };
      }
      byId.set(entry.id, entry.stamped);
      byInput.set(s, entry);
      return entry.stamped;
    });
    this.#byId = byId;
    this.#byInput = byInput;
    this.#current = out;
    return out;
  }

  current(): StatusSnapshot {
    return this.#current;
  }

  items(): StatusItem[] {
    return toItems(this.#current);
  }
}

export function toItems(snapshot: StatusSnapshot): StatusItem[] {
  return snapshot.map((s) => ({
    apiVersion: s.apiVersion,
    kind: s.kind,
    metadata: s.namespace === undefined ? { name: s.name, generation: s.generation } : { namespace: s.namespace, name: s.name, generation: s.generation },
    status: s.status,
  }));
}

export function statusId(s: ObjectStatus): string {
  return `${s.kind}/${s.namespace ?? ''}/${s.name}`;
}

/**
 * A copy of `s` with times stamped. Only the condition lists are new; everything else is shared with `s`, which
 * nothing changes afterwards (a deep copy of every status was tens of ms per rebuild at thousands of routes).
 */
function stamp(s: ObjectStatus, prev: ObjectStatus | undefined, now: string): ObjectStatus {
  const st = { ...s.status } as Record<string, unknown>;
  const pst = (prev?.kind === s.kind ? prev.status : undefined) as Record<string, unknown> | undefined;
  if (Array.isArray(st.conditions)) st.conditions = keepTransitionTimes(st.conditions, pst?.conditions as Condition[] | undefined, now);
  if (Array.isArray(st.listeners)) {
    const before = (pst?.listeners ?? []) as Listed[];
    st.listeners = (st.listeners as Listed[]).map((l, i) =>
      ({ ...l, conditions: keepTransitionTimes(l.conditions, counterpart(before, i, (x) => x.name, l.name)?.conditions, now) }));
  }
  if (Array.isArray(st.ancestors)) {
    const before = (pst?.ancestors ?? []) as Ancestor[];
    const key = (a: Ancestor) => parentKey(a.ancestorRef, a.controllerName);
    st.ancestors = (st.ancestors as Ancestor[]).map((a, i) =>
      ({ ...a, conditions: keepTransitionTimes(a.conditions, counterpart(before, i, key, key(a))?.conditions, now) }));
  }
  if (Array.isArray(st.parents)) {
    const before = (pst?.parents ?? []) as Parent[];
    const key = (p: Parent) => parentKey(p.parentRef, p.controllerName);
    st.parents = (st.parents as Parent[]).map((p, i) =>
      ({ ...p, conditions: keepTransitionTimes(p.conditions, counterpart(before, i, key, key(p))?.conditions, now) }));
  }
  return { ...s, status: st } as ObjectStatus;
}

type Listed = { name: string; conditions: Condition[] };
type Ancestor = { ancestorRef: ParentReference; controllerName: string; conditions: Condition[] };
type Parent = { parentRef: ParentReference; controllerName: string; conditions: Condition[] };

/** The entry of `before` with key `k`: usually at the same index, so that one is tried first. */
function counterpart<T>(before: readonly T[], i: number, keyOf: (x: T) => string, k: string): T | undefined {
  const same = before[i];
  if (same !== undefined && keyOf(same) === k) return same;
  return before.find((x) => keyOf(x) === k);
}

/** A condition whose status, reason, message and observedGeneration did not change keeps its lastTransitionTime. */
export function keepTransitionTimes(conditions: Condition[], previous: readonly Condition[] | undefined, now: string): Condition[] {
  return conditions.map((c) => {
    const p = previous?.find((x) => x.type === c.type);
    const same = p && p.status === c.status && p.reason === c.reason && p.message === c.message && p.observedGeneration === c.observedGeneration;
    return { ...c, lastTransitionTime: same && p.lastTransitionTime ? p.lastTransitionTime : now };
  });
}

function parentKey(ref: ParentReference, controller: string): string {
  return `${parentRefKey(ref)}|${controller}`;
}

/** A parentRef with its defaults spelled out, so two spellings of the same parent compare equal. */
export function parentRefKey(ref: ParentReference): string {
  return [ref.group ?? 'gateway.networking.k8s.io', ref.kind ?? 'Gateway', ref.namespace ?? '', ref.name, ref.sectionName ?? '', ref.port ?? ''].join('|');
}
