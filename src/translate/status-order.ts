// The status list in its final order (kind, namespace, name), kept between translations: most status objects are the
// same objects as last time (a Translator hands back the kept ones), so the previous order is patched with the few
// new ones instead of sorting thousands again. Equal keys would make the order depend on input order: then, and
// when much changed, the list is sorted in full.
import type { ObjectStatus } from '../status/types.ts';

/** Above this many statuses added or removed, one full sort is cheaper than inserting each. */
const MAX_INSERTS = 64;

export function compareStatus(a: ObjectStatus, b: ObjectStatus): number {
  return cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name);
}

export class StatusOrder {
  #prev: ObjectStatus[] | null = null;
  #members = new Set<ObjectStatus>();

  /** `status` sorted by compareStatus, as a stable sort of it gives. The result is shared with the next call: read-only. */
  sorted(status: readonly ObjectStatus[]): ObjectStatus[] {
    const members = new Set(status);
    let out = this.#prev !== null && members.size === status.length ? patched(this.#prev, this.#members, status, members) : null;
    let strict = true;
    if (out === null) {
      out = [...status].sort(compareStatus);
      for (let i = 1; i < out.length && strict; i++) strict = compareStatus(out[i - 1]!, out[i]!) < 0;
    }
    // Equal neighbours keep input order, which a later patch would not follow: the next call sorts in full.
    this.#prev = strict ? out : null;
    this.#members = members;
    return out;
  }
}

function patched(prev: readonly ObjectStatus[], before: ReadonlySet<ObjectStatus>, status: readonly ObjectStatus[], members: ReadonlySet<ObjectStatus>): ObjectStatus[] | null {
  const added: ObjectStatus[] = [];
  for (const s of status) {
    if (before.has(s)) continue;
    added.push(s);
    if (added.length > MAX_INSERTS) return null;
  }
  const removed = before.size - (status.length - added.length);
  if (added.length + removed > MAX_INSERTS) return null;
  const out = removed > 0 ? prev.filter((s) => members.has(s)) : [...prev];
  for (const s of added) {
    let lo = 0, hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStatus(out[mid]!, s) < 0) lo = mid + 1;
      else hi = mid;
    }
    if ((lo > 0 && compareStatus(out[lo - 1]!, s) === 0) || (lo < out.length && compareStatus(out[lo]!, s) === 0)) return null;
    out.splice(lo, 0, s);
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
