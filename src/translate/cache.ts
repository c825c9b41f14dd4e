// What a Translator keeps between translations so a one-route change does not redo every route: each route's
// compiled form and attachment plan, keyed by the route object itself, and each listener's precedence order. Sources
// keep an unchanged object as the same JS object across snapshots (and never change one in place), and a list of a
// kind as the same array while none of its objects changed, so identity says "unchanged". A compiled route also
// depends on what the backend resolver read (Services, EndpointSlices, grants, policies, CA bundles): when any of
// those lists is a new array, every compiled route is dropped; a plan depends on the route's parents (Gateways,
// ListenerSets, namespaces and what they read): when any list but the routes is new, every plan is dropped.
import type { ResourceSnapshot } from '../api/snapshot.ts';
import { RankedLists } from './ranked-lists.ts';
import { StatusOrder } from './status-order.ts';
import { AttachMemo } from './attach-memo.ts';
import type { CompiledRoute } from './httproute.ts';
import type { CompiledL4Route } from './l4routes.ts';
import type { AttachPlans } from './routes.ts';

/** Lists a route's parents never read. Any other list (a kind added later included) counts as a parent input. */
const ROUTE_LISTS = new Set(['httpRoutes', 'grpcRoutes', 'tlsRoutes', 'tcpRoutes', 'udpRoutes', 'origins']);
/**
 * Lists a compiled route never reads (it sees only what BackendResolver and BackendTlsPolicies read: Services,
 * EndpointSlices, grants, policies, CA bundles). Any other list counts as a backend input.
 */
const NOT_BACKEND_LISTS = new Set([...ROUTE_LISTS, 'gatewayClasses', 'gateways', 'listenerSets', 'namespaces']);

/** The snapshot's lists in a fixed order, leaving out `skip`. */
function listsOf(snapshot: ResourceSnapshot, skip: ReadonlySet<string>): unknown[] {
  return Object.keys(snapshot).filter((k) => !skip.has(k)).sort().map((k) => (snapshot as Record<string, unknown>)[k]);
}

export class TranslateCache {
  #inputs: readonly unknown[] | null = null;
  #context: unknown = null;
  #compiled = new WeakMap<object, unknown>();
  #parentInputs: readonly unknown[] | null = null;
  #parents: unknown = null;
  /** Attachment plans by compiled route (routes.ts), valid while the parents are the same. */
  plans: AttachPlans = new WeakMap();
  /** The last attachment of HTTPRoutes and GRPCRoutes, and of layer-4 routes, patched while the plans stay. */
  readonly httpAttach = new AttachMemo<CompiledRoute>();
  readonly l4Attach = new AttachMemo<CompiledL4Route>();
  /** The status list in its final order. */
  readonly statusOrder = new StatusOrder();
  /** Each listener's routes in precedence order. */
  readonly rankedLists = new RankedLists();

  /**
   * The routes' parents for `snapshot`: the previous ones while every list they read is the same array; otherwise
   * new ones from `make`, and the attachment plans are forgotten.
   */
  parentContext<C>(snapshot: ResourceSnapshot, make: () => C): C {
    const inputs = listsOf(snapshot, ROUTE_LISTS);
    if (changed(inputs, this.#parentInputs)) {
      this.#parentInputs = inputs;
      this.#parents = make();
      this.plans = new WeakMap();
    }
    return this.#parents as C;
  }

  /**
   * The backend context (resolver and policies) for `snapshot`: the previous one while every list it reads is the
   * same array; otherwise a new one from `make`, and the compiled routes are forgotten.
   */
  backendContext<C>(snapshot: ResourceSnapshot, make: () => C): C {
    const inputs = listsOf(snapshot, NOT_BACKEND_LISTS);
    if (changed(inputs, this.#inputs)) {
      this.#inputs = inputs;
      this.#context = make();
      this.#compiled = new WeakMap();
    }
    return this.#context as C;
  }

  /** `compile(route)`, or what it returned for this same route object since the backend context last changed. */
  compiled<R extends object, C>(route: R, compile: (r: R) => C): C {
    const hit = this.#compiled.get(route);
    if (hit !== undefined) return hit as C;
    const c = compile(route);
    this.#compiled.set(route, c);
    return c;
  }
}

/** Whether any of `inputs` is not the list it was last time (or there was no last time). */
function changed(inputs: readonly unknown[], previous: readonly unknown[] | null): boolean {
  return previous === null || inputs.length !== previous.length || inputs.some((v, i) => !sameList(v, previous[i]));
}

/** The same array, or both empty (a source may hand out a fresh empty list for a kind it holds none of). */
function sameList(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const empty = (x: unknown) => x === undefined || (Array.isArray(x) && x.length === 0);
  return empty(a) && empty(b);
}
