// The routes of each listener in precedence order, kept between translations: a one-route change inserts that
// route's entries into the previous order (a binary search each) instead of sorting thousands again. The result is
// the same as a full sort because the order is strict (no two entries compare equal); where it is not, or when much
// changed, the list is sorted in full as before.
import { comparePrecedence, type Ranked } from './precedence.ts';
import type { AttachableRoute, ListenerRoutes } from './routes.ts';
import type { CompiledRoute } from './httproute.ts';

/** Above this many routes added or removed on a listener, one full sort is cheaper than inserting each. */
const MAX_INSERTS = 64;

type Sorted = {
  /** Each route on the listener, with the hostnames array it was ranked with. */
  entries: Map<AttachableRoute, readonly string[]>;
  list: Ranked[];
  /** Which route each entry of `list` came from. */
  owners: Map<Ranked, AttachableRoute>;
  /** No two neighbours in `list` compare equal, so the order does not depend on the order routes came in. */
  strict: boolean;
};

export class RankedLists {
  #byListener = new Map<string, Sorted>();
  #used = new Set<string>();

  /** Call before a translation's buildProxy calls; end() then forgets listeners that were not asked for. */
  begin(): void {
    this.#used.clear();
  }

  end(): void {
    for (const id of this.#byListener.keys()) if (!this.#used.has(id)) this.#byListener.delete(id);
  }

  /** Every (hostname, IR route) of `routes`, sorted by comparePrecedence, as a stable sort of them in this order gives. */
  sorted(id: string, routes: readonly ListenerRoutes<CompiledRoute>[]): Ranked[] {
    this.#used.add(id);
    const prev = this.#byListener.get(id);
    const next = prev?.strict ? patched(prev, routes) : null;
    const out = next ?? fullSort(routes);
    this.#byListener.set(id, out);
    return out.list;
  }
}

export function rankedOf(route: CompiledRoute, hostnames: readonly string[]): Ranked[] {
  const created = route.route.metadata.creationTimestamp;
  return hostnames.flatMap((hostname) => route.routes.map((r) => ({ hostname, route: r, created })));
}

function fullSort(routes: readonly ListenerRoutes<CompiledRoute>[]): Sorted {
  const entries = new Map<AttachableRoute, readonly string[]>();
  const owners = new Map<Ranked, AttachableRoute>();
  const list: Ranked[] = [];
  for (const { route, hostnames } of routes) {
    entries.set(route, hostnames);
    for (const r of rankedOf(route, hostnames)) {
      owners.set(r, route);
      list.push(r);
    }
  }
  list.sort(comparePrecedence);
  let strict = true;
  for (let i = 1; i < list.length && strict; i++) strict = comparePrecedence(list[i - 1]!, list[i]!) < 0;
  return { entries, list, owners, strict };
}

/**
 * `prev` with the routes that left removed and the new ones inserted, or null when a full sort is the better way.
 * `prev` is this listener's alone (replaced by the result), so the common case, routes only added, patches it in place.
 */
function patched(prev: Sorted, routes: readonly ListenerRoutes<CompiledRoute>[]): Sorted | null {
  const added: ListenerRoutes<CompiledRoute>[] = [];
  let same = 0;
  for (const lr of routes) {
    if (prev.entries.get(lr.route) === lr.hostnames) same++;
    else if (added.push(lr) > MAX_INSERTS) return null;
  }
  const removed = prev.entries.size - same;
  if (added.length + removed > MAX_INSERTS) return null;
  let { entries, list, owners } = prev;
  if (removed > 0) {
    const now = new Map<AttachableRoute, readonly string[]>(routes.map((lr) => [lr.route, lr.hostnames]));
    if (now.size !== routes.length) return null;
    owners = new Map(owners);
    list = list.filter((r) => {
      const owner = prev.owners.get(r)!;
      const keep = now.get(owner) === prev.entries.get(owner);
      if (!keep) owners.delete(r);
      return keep;
    });
    entries = now;
  } else {
    for (const { route, hostnames } of added) entries.set(route, hostnames);
  }
  for (const { route, hostnames } of added) {
    for (const r of rankedOf(route, hostnames)) {
      const at = insertionPoint(list, r);
      // An equal neighbour would make the order depend on the order routes came in: sort in full instead.
      if ((at > 0 && comparePrecedence(list[at - 1]!, r) === 0) || (at < list.length && comparePrecedence(list[at]!, r) === 0)) return null;
      list.splice(at, 0, r);
      owners.set(r, route);
    }
  }
  return { entries, list, owners, strict: true };
}

function insertionPoint(list: readonly Ranked[], r: Ranked): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrecedence(list[mid]!, r) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
