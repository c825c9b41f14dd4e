// Keeps the last status of every object and stamps lastTransitionTime the way the API server's clients do:
// a condition that did not change keeps its time, a changed one gets "now".
import type { ParentReference } from '../api/gateway.ts';
import { rfc3339, type Condition } from '../api/meta.ts';
import { compareStatus } from './order.ts';
import type { ObjectStatus, StatusSnapshot } from './types.ts';

/** One item of `GET /status` and `portico validate -o json`: the object as Kubernetes stores its status. */
export type StatusItem = {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string; name: string; generation: number };
  status: ObjectStatus['status'];
};

/** What the last update changed: stamped statuses that are new in it, and the ones it no longer holds. */
export type StatusChanges = { added: readonly ObjectStatus[]; removed: readonly ObjectStatus[] };

export class StatusStore {
  /** The last update's input and, index for index, what it returned. */
  #input: StatusSnapshot = [];
  #inputSorted = true;
  #current: StatusSnapshot = [];
  #changes: StatusChanges = { added: [], removed: [] };
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Replaces the stored status with `next` (objects not in it are gone) and returns it with times stamped. An input
   * object given to the previous update again is not stamped again: its stamped status is returned as it was.
   * When `next` is in compareStatus order (translation's order) the two lists are walked side by side, with no
   * lookups: thousands of statuses given again cost next to nothing. Any other order goes through maps.
   */
  update(next: StatusSnapshot): StatusSnapshot {
    const now = rfc3339(this.#now());
    const sorted = mergeSorted(this.#input, this.#inputSorted, this.#current, next, now);
    const merged = sorted ?? byId(this.#input, this.#current, next, now);
    this.#input = next;
    this.#inputSorted = sorted !== null || isSorted(next);
    this.#current = merged.out;
    this.#changes = { added: merged.added, removed: merged.removed };
    return merged.out;
  }

  current(): StatusSnapshot {
    return this.#current;
  }

  /** What the last update added and removed (a status whose times were stamped again counts as both). */
  changes(): StatusChanges {
    return this.#changes;
  }

  items(): StatusItem[] {
    return toItems(this.#current);
  }
}

type Merged = { out: ObjectStatus[]; added: ObjectStatus[]; removed: ObjectStatus[] };

/**
 * One walk through the previous input and `next` side by side, both in compareStatus order: an object given again
 * keeps its stamped status, one with the key of a previous one is stamped against it. Null when either list is not
 * strictly in that order (then the walk cannot pair them).
 */
function mergeSorted(input: StatusSnapshot, inputSorted: boolean, current: StatusSnapshot, next: StatusSnapshot, now: string): Merged | null {
  if (!inputSorted) return null;
  const out: ObjectStatus[] = new Array(next.length);
  const added: ObjectStatus[] = [], removed: ObjectStatus[] = [];
  let j = 0;
  for (let i = 0; i < next.length; i++) {
    const s = next[i]!;
    // A run of objects given again in the same order is in order already (the previous input was); elsewhere check.
    const continues = i > 0 && j > 0 && next[i - 1] === input[j - 1] && s === input[j];
    if (!continues && i > 0 && compareStatus(next[i - 1]!, s) >= 0) return null;
    while (j < input.length && s !== input[j] && compareStatus(input[j]!, s) < 0) removed.push(current[j++]!);
    if (j < input.length && s === input[j]) {
      out[i] = current[j++]!;
      continue;
    }
    const prev = j < input.length && compareStatus(input[j]!, s) === 0 ? current[j++] : undefined;
    const stamped = stamp(s, prev, now);
    if (prev !== undefined) removed.push(prev);
    added.push(stamped);
    out[i] = stamped;
  }
  while (j < input.length) removed.push(current[j++]!);
  return { out, added, removed };
}

/** The same as mergeSorted for lists in any order, through maps of the previous objects by id and by input. */
function byId(input: StatusSnapshot, current: StatusSnapshot, next: StatusSnapshot, now: string): Merged {
  const prevById = new Map<string, ObjectStatus>();
  const inputAt = new Map<ObjectStatus, number>();
  input.forEach((s, k) => {
    inputAt.set(s, k);
    prevById.set(statusId(current[k]!), current[k]!);
  });
  const seen = new Set<string>();
  const out = next.map((s) => {
    const id = statusId(s), k = inputAt.get(s);
    const prev = prevById.get(id);
    // The stamped status of an input given again, unless another object has since taken its id.
    const stamped = k !== undefined && prev === current[k] && !seen.has(id) ? prev : stamp(s, prev, now);
    seen.add(id);
    return stamped;
  });
  const kept = new Set(out), before = new Set(current);
  return { out, added: out.filter((s) => !before.has(s)), removed: current.filter((s) => !kept.has(s)) };
}

export function toItems(snapshot: StatusSnapshot): StatusItem[] {
  return snapshot.map((s) => ({
    apiVersion: s.apiVersion,
    kind: s.kind,
    metadata: s.namespace === undefined ? { name: s.name, generation: s.generation } : { namespace: s.namespace, name: s.name, generation: s.generation },
    status: s.status,
  }));
}

function isSorted(list: StatusSnapshot): boolean {
  for (let i = 1; i < list.length; i++) if (compareStatus(list[i - 1]!, list[i]!) >= 0) return false;
  return true;
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
