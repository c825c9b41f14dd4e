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
  #current: StatusSnapshot = [];
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  /** Replaces the stored status with `next` (objects not in it are gone) and returns it with times stamped. */
  update(next: StatusSnapshot): StatusSnapshot {
    const now = rfc3339(this.#now());
    const byId = new Map<string, ObjectStatus>();
    const out = next.map((s) => {
      const id = statusId(s);
      const stamped = stamp(s, this.#byId.get(id), now);
      byId.set(id, stamped);
      return stamped;
    });
    this.#byId = byId;
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

function stamp(s: ObjectStatus, prev: ObjectStatus | undefined, now: string): ObjectStatus {
  const st = structuredClone(s.status) as Record<string, unknown>;
  const pst = (prev?.kind === s.kind ? prev.status : undefined) as Record<string, unknown> | undefined;
  if (Array.isArray(st.conditions)) st.conditions = keepTransitionTimes(st.conditions, pst?.conditions as Condition[] | undefined, now);
  if (Array.isArray(st.listeners)) {
    const prevListeners = (pst?.listeners ?? []) as { name: string; conditions: Condition[] }[];
    for (const l of st.listeners as { name: string; conditions: Condition[] }[]) {
      l.conditions = keepTransitionTimes(l.conditions, prevListeners.find((p) => p.name === l.name)?.conditions, now);
    }
  }
  if (Array.isArray(st.ancestors)) {
    const prevAncestors = (pst?.ancestors ?? []) as { ancestorRef: ParentReference; controllerName: string; conditions: Condition[] }[];
    for (const a of st.ancestors as typeof prevAncestors) {
      const key = parentKey(a.ancestorRef, a.controllerName);
      a.conditions = keepTransitionTimes(a.conditions, prevAncestors.find((q) => parentKey(q.ancestorRef, q.controllerName) === key)?.conditions, now);
    }
  }
  if (Array.isArray(st.parents)) {
    const prevParents = (pst?.parents ?? []) as { parentRef: ParentReference; controllerName: string; conditions: Condition[] }[];
    for (const p of st.parents as typeof prevParents) {
      const key = parentKey(p.parentRef, p.controllerName);
      p.conditions = keepTransitionTimes(p.conditions, prevParents.find((q) => parentKey(q.parentRef, q.controllerName) === key)?.conditions, now);
    }
  }
  return { ...s, status: st } as ObjectStatus;
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
