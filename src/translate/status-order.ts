// The status list in its final order (kind, namespace, name), kept between translations: most status objects are the
// same objects as last time, in the same relative order (a Translator hands back the kept ones), so one walk beside
// the previous list finds the few new and gone ones, and the previous order is patched with them instead of sorting
// thousands again. Equal keys would make the order depend on input order: then, and when much changed or objects
// moved, the list is sorted in full.
import { compareStatus } from '../status/order.ts';
import type { ObjectStatus } from '../status/types.ts';

export { compareStatus };

/** Above this many statuses added or removed, one full sort is cheaper than inserting each. */
const MAX_CHANGES = 64;

export class StatusOrder {
  /** The previous input, its sorted form (null: it had equal keys), and the objects in it. */
  #input: readonly ObjectStatus[] = [];
  #sorted: ObjectStatus[] | null = null;
  #members = new Set<ObjectStatus>();

  /** `status` sorted by compareStatus, as a stable sort of it gives. The result is shared with the next call: read-only. */
  sorted(status: readonly ObjectStatus[]): ObjectStatus[] {
    const diff = this.#sorted !== null ? this.#diff(status) : null;
    const kept = diff !== null ? patched(this.#sorted!, diff.added, diff.removed) : null;
    if (kept !== null) {
      for (const s of diff!.removed) this.#members.delete(s);
      for (const s of diff!.added) this.#members.add(s);
    } else this.#members = new Set(status);
    const out = kept ?? [...status].sort(compareStatus);
    let strict = true;
    // Equal neighbours keep input order, which a later patch would not follow.
    for (let i = 1; kept === null && strict && i < out.length; i++) strict = compareStatus(out[i - 1]!, out[i]!) < 0;
    this.#input = status;
    this.#sorted = strict ? out : null;
    return out;
  }

  /**
   * What `status` adds to and drops from the previous input, walking both: an object not where the previous input
   * had it is new when it was not there before, otherwise the previous input's objects up to it are gone. Null when
   * that does not add up (objects moved or repeated) or too much changed.
   */
  #diff(status: readonly ObjectStatus[]): { added: ObjectStatus[]; removed: ObjectStatus[] } | null {
    const input = this.#input, members = this.#members;
    const added: ObjectStatus[] = [], removed: ObjectStatus[] = [];
    let j = 0;
    for (let i = 0; i < status.length;) {
      const s = status[i]!;
      if (j < input.length && s === input[j]) {
        i++;
        j++;
      } else if (!members.has(s)) {
        added.push(s);
        i++;
      } else if (j < input.length) {
        removed.push(input[j++]!);
      } else return null;
      if (added.length + removed.length > MAX_CHANGES) return null;
    }
    while (j < input.length) {
      removed.push(input[j++]!);
      if (removed.length + added.length > MAX_CHANGES) return null;
    }
    return { added, removed };
  }
}

/** `prev` (strictly ordered) without `removed` and with `added`, or null when an added one's key is there already. */
function patched(prev: readonly ObjectStatus[], added: readonly ObjectStatus[], removed: readonly ObjectStatus[]): ObjectStatus[] | null {
  const out = [...prev];
  for (const s of removed) {
    const at = search(out, s);
    if (out[at] !== s) return null;
    out.splice(at, 1);
  }
  for (const s of added) {
    const at = search(out, s);
    if ((at > 0 && compareStatus(out[at - 1]!, s) === 0) || (at < out.length && compareStatus(out[at]!, s) === 0)) return null;
    out.splice(at, 0, s);
  }
  return out;
}

function search(list: readonly ObjectStatus[], s: ObjectStatus): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareStatus(list[mid]!, s) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
