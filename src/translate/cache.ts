// What a Translator keeps between translations so a one-route change does not redo every route: each route's
// compiled form and attachment plan, keyed by the route object itself, the sorted compiled lists, each listener's
// virtual hosts, and statuses built from unchanged inputs. Sources keep an unchanged object as the same JS object
// across snapshots (and never change one in place), and a list of a kind as the same array while none of its objects
// changed, so identity says "unchanged". A compiled route also
// depends on what the backend resolver read (Services, EndpointSlices, grants, policies, CA bundles): when any of
// those lists is a new array, every compiled route is dropped; a plan depends on the route's parents (Gateways,
// ListenerSets, namespaces and what they read): when any list but the routes is new, every plan is dropped. Either
// drop starts a new epoch, which the listener builds follow.
import type * as gw from '../api/gateway.ts';
import type { GRPCRoute } from '../api/grpcroute.ts';
import type { L4Route } from '../api/l4routes.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import type { ObjectStatus } from '../status/types.ts';
import { CompiledList } from './compiled-list.ts';
import { ListenerHosts } from './listener-hosts.ts';
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
  /** Each route kind's compiled routes in compareObjects order, valid while the backend context is the same. */
  readonly httpList = new CompiledList<gw.HTTPRoute, CompiledRoute>();
  readonly grpcList = new CompiledList<GRPCRoute, CompiledRoute>();
  readonly l4List = new CompiledList<L4Route, CompiledL4Route>();
  #l4Inputs: readonly unknown[] = [];
  #l4Routes: readonly L4Route[] = [];
  #statuses = new WeakMap<object, { parts: readonly unknown[]; status: ObjectStatus }>();
  /** The status list in its final order. */
  readonly statusOrder = new StatusOrder();
  /** Each HTTP(S) listener's virtual hosts and clusters, valid while `epoch` is the same. */
  readonly listenerHosts = new ListenerHosts();
  /** A new object whenever the parents or the backend context are new: what a listener build reads besides routes. */
  epoch: object = {};

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
      this.epoch = {};
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
      this.epoch = {};
      this.httpList.clear();
      this.grpcList.clear();
      this.l4List.clear();
    }
    return this.#context as C;
  }

  /**
   * The status `make` builds for `key` (an input object: Gateway, GatewayClass) from `parts` (what else it reads):
   * the previous one while the key and every part are the same.
   */
  sameStatus(key: object, parts: readonly unknown[], make: () => ObjectStatus): ObjectStatus {
    const prev = this.#statuses.get(key);
    if (prev !== undefined && prev.parts.length === parts.length && prev.parts.every((p, i) => p === parts[i])) return prev.status;
    const status = make();
    this.#statuses.set(key, { parts, status });
    return status;
  }

  /** The layer-4 routes of `snapshot` in one list: the same array while none of the three lists changed. */
  l4Routes(snapshot: ResourceSnapshot): readonly L4Route[] {
    const inputs = [snapshot.tlsRoutes, snapshot.tcpRoutes, snapshot.udpRoutes];
    if (changed(inputs, this.#l4Inputs)) {
      this.#l4Inputs = inputs;
      this.#l4Routes = [...(snapshot.tlsRoutes ?? []), ...(snapshot.tcpRoutes ?? []), ...(snapshot.udpRoutes ?? [])];
    }
    return this.#l4Routes;
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
