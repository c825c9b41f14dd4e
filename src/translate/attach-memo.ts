// Attachment kept between translations: with the parents unchanged and only HTTPRoutes or only GRPCRoutes (no route
// can refuse another a listener), a one-route change patches the previous attachment order and touches only the
// listeners the changed routes attach to. The result is what attachRoutes gives from scratch, Map orders included;
// anything the patch cannot place exactly (ties in the order, an update in the middle of a listener's routes, many
// changes) is attached in full instead.
import type { ObjectStatus } from '../status/types.ts';
import type { AttachParent } from './attach.ts';
import type { GatewayInfo } from './gateway.ts';
import { attachAll, compareAge, planOf, take, type AttachableRoute, type AttachedIndex, type AttachPlans, type ListenerRoutes, type Planned } from './routes.ts';

/** Above this many routes added or removed, attaching in full is cheaper than patching. */
const MAX_CHANGES = 64;

type Kept<T extends AttachableRoute> = { plans: AttachPlans; order: Planned<T>[]; compiled: readonly T[]; attached: AttachedIndex<T> };

/** What one listener's routes lost and gained: the previous entries and the new ones (a changed route is both). */
export type ListenerChange<T extends AttachableRoute> = { removed: ListenerRoutes<T>[]; added: ListenerRoutes<T>[] };

/**
 * Per listener id, how its routes changed since the previous attach() of the same memo; a listener not in it has
 * the very same entries. Null when everything was attached anew.
 */
export type ListenerChanges<T extends AttachableRoute> = ReadonlyMap<string, ListenerChange<T>> | null;

export class AttachMemo<T extends AttachableRoute> {
  #kept: Kept<T> | null = null;

  /** attachRoutes(compiled, …, plans), reusing the previous call's work while `plans` (the parents) is the same. */
  attach(
    compiled: readonly T[], gateways: ReadonlyMap<string, GatewayInfo>, namespaceLabels: (ns: string) => Record<string, string>,
    listenerSets: ReadonlyMap<string, AttachParent>, plans: AttachPlans,
  ): { attached: AttachedIndex<T>; status: ObjectStatus[]; changes: ListenerChanges<T> } {
    const prev = this.#kept;
    const changes = new Map<string, ListenerChange<T>>();
    const patched = prev !== null && prev.plans === plans ? patch(prev, compiled, (cr) => planOf(cr, gateways, namespaceLabels, listenerSets, plans), changes) : null;
    if (patched !== null) {
      this.#kept = patched;
      return { attached: patched.attached, status: statusOf(patched.order), changes };
    }
    const full = attachAll(compiled, gateways, namespaceLabels, listenerSets, plans);
    this.#kept = full.mixed ? null : { plans, order: full.order, compiled, attached: full.attached };
    return { attached: full.attached, status: full.status, changes: null };
  }
}

function statusOf<T extends AttachableRoute>(order: readonly Planned<T>[]): ObjectStatus[] {
  const status: ObjectStatus[] = [];
  for (const { plan } of order) if (plan.status !== null) status.push(plan.status);
  return status;
}

/** `changes` gets each touched listener's change (filled only when the patch succeeds). */
function patch<T extends AttachableRoute>(
  prev: Kept<T>, compiled: readonly T[], planFor: (cr: T) => Planned<T>['plan'], changes: Map<string, ListenerChange<T>>,
): Kept<T> | null {
  // Sources keep unchanged routes as the same objects in the same order: what changed lies between the common ends.
  const before = prev.compiled;
  let head = 0;
  while (head < compiled.length && head < before.length && compiled[head] === before[head]) head++;
  let tail = 0;
  while (tail < compiled.length - head && tail < before.length - head && compiled[compiled.length - 1 - tail] === before[before.length - 1 - tail]) tail++;
  const now = compiled.slice(head, compiled.length - tail), then = before.slice(head, before.length - tail);
  if (now.length + then.length > MAX_CHANGES) return null;
  if (now.length === 0 && then.length === 0) return { ...prev, compiled };
  const nowSet = new Set(now), thenSet = new Set(then);
  const added = now.filter((cr) => !thenSet.has(cr)).map((cr) => ({ cr, plan: planFor(cr) }));
  const removedSet = new Set(then.filter((cr) => !nowSet.has(cr)));
  const kinds = new Set(compiled.length > 0 ? [compiled[0]!.route.kind, compiled[compiled.length - 1]!.route.kind, ...now.map((cr) => cr.route.kind)] : []);
  // The kinds come sorted by kind first (HTTPRoutes, then GRPCRoutes): the ends show whether both are there.
  if (kinds.has('HTTPRoute') && kinds.has('GRPCRoute')) return null;

  // The previous order is this memo's alone, and forgotten when the patch fails: additions go into it in place.
  const removed = removedSet.size > 0 ? prev.order.filter((p) => removedSet.has(p.cr)) : [];
  const order = removedSet.size > 0 ? prev.order.filter((p) => !removedSet.has(p.cr)) : prev.order;
  for (const p of added) {
    const at = insertionPoint(order, p);
    // An equal neighbour: its place would depend on input order, which only the full sort reproduces.
    if ((at > 0 && compareAge(order[at - 1]!.plan, p.plan) === 0) || (at < order.length && compareAge(order[at]!.plan, p.plan) === 0)) return null;
    order.splice(at, 0, p);
  }
  // Routes from here on are all new: filing them last in a listener's Map is where the full attachment puts them.
  const addedSet = new Set(added.map((p) => p.cr));
  let newTail = order.length;
  while (newTail > 0 && addedSet.has(order[newTail - 1]!.cr)) newTail--;
  const atTail = new Set(order.slice(newTail));
  const addedInOrder = atTail.size === added.length ? order.slice(newTail) : order.filter((p) => addedSet.has(p.cr));

  // The previous Maps are this memo's alone (nothing of a translation's result holds them): patched in place.
  const affected = new Set<string>();
  for (const p of [...removed, ...added]) for (const pp of p.plan.parents) for (const a of pp.attachments) affected.add(a.id);
  const attached = prev.attached;
  for (const id of affected) {
    const inPlace = added.every((p) => atTail.has(p) || !attachesTo(p, id));
    const old = attached.get(id);
    const change: ListenerChange<T> = { removed: [], added: [] };
    for (const p of removed) {
      const entry = old?.get(p.plan.routeKey);
      if (entry !== undefined && entry.route === p.cr) change.removed.push(entry);
    }
    let byRoute = old;
    if (!inPlace || byRoute === undefined) attached.set(id, byRoute = new Map<string, ListenerRoutes<T>>());
    if (inPlace) for (const p of removed) if (attachesTo(p, id)) byRoute.delete(p.plan.routeKey);
    for (const p of inPlace ? addedInOrder : order) {
      if (!addedSet.has(p.cr)) {
        // Rebuilding in order: a kept route's entry is as it was.
        const entry = old?.get(p.plan.routeKey);
        if (entry !== undefined && entry.route === p.cr) byRoute.set(p.plan.routeKey, entry);
        continue;
      }
      for (const pp of p.plan.parents) for (const a of pp.attachments) if (a.id === id) take(attached, p.cr, p.plan, a);
    }
    for (const p of added) {
      const entry = attachesTo(p, id) ? byRoute.get(p.plan.routeKey) : undefined;
      if (entry !== undefined) change.added.push(entry);
    }
    changes.set(id, change);
    if (byRoute.size === 0) attached.delete(id);
  }
  return { plans: prev.plans, order, compiled, attached };
}

function attachesTo<T extends AttachableRoute>(p: Planned<T>, id: string): boolean {
  return p.plan.parents.some((pp) => pp.attachments.some((a) => a.id === id));
}

function insertionPoint<T extends AttachableRoute>(order: readonly Planned<T>[], p: Planned<T>): number {
  let lo = 0, hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareAge(order[mid]!.plan, p.plan) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
