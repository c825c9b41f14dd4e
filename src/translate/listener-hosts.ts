// One HTTP(S) listener's part of the IR: its virtual hosts (routes in precedence order) and the clusters its routes
// use. Built from scratch by buildListenerHost; a ListenerHosts kept by a Translator patches the previous build with
// what attachment says changed (attach-memo.ts), so a one-route change costs a few binary searches and array copies
// instead of sorting and filtering thousands of routes. Virtual hosts and listener hosts that did not change are
// handed out as the same objects: the data plane reuses what it compiled for them.
import type * as ir from '../ir/types.ts';
import type { ListenerChange } from './attach-memo.ts';
import { compareHostnames, covers } from './hostnames.ts';
import type { CompiledRoute } from './httproute.ts';
import { comparePrecedence, type Ranked } from './precedence.ts';
import type { ListenerRoutes } from './routes.ts';

/** Above this many routes added or removed on a listener, building it again is cheaper than patching. */
const MAX_CHANGES = 64;

export type ListenerBuild = {
  host: ir.ListenerHost;
  /** The clusters the listener's routes use, by name (same-named clusters of one translation are equal). */
  clusters: ReadonlyMap<string, ir.BackendCluster>;
};

/** A build with what patching it needs. */
type Kept = ListenerBuild & {
  /** Every (hostname, IR route) of the listener's routes in precedence order, with no two entries equal. */
  ranked: Ranked[];
  /** Each route's entries in `ranked`. */
  entries: Map<CompiledRoute, Ranked[]>;
  /** How many routes use each cluster name. */
  uses: Map<string, number>;
  /** How many entries of `ranked` have each hostname: the virtual hosts there are. */
  hostCount: Map<string, number>;
  /** Per virtual host, in order. */
  vhosts: Map<string, VirtualHostBuild>;
  clusters: Map<string, ir.BackendCluster>;
};

/** A virtual host and its entries in order (what `routes` was taken from). */
type VirtualHostBuild = { vh: ir.VirtualHost; ranked: Ranked[] };

/** The listener's virtual hosts from its attached routes (in attachment order), built from scratch. */
export function buildListenerHost(listener: string, hostname: string | null, routes: Iterable<ListenerRoutes<CompiledRoute>>): ListenerBuild {
  return plainBuild(listener, hostname, routes);
}

export class ListenerHosts {
  #byListener = new Map<string, Kept>();
  #used = new Set<string>();
  #epoch: unknown = null;

  /**
   * Call before a translation's builds. `epoch` stands for everything a build reads besides the routes (the
   * parents and the backend context): when it is not the previous one, every kept build is forgotten.
   */
  begin(epoch: unknown): void {
    if (epoch !== this.#epoch) this.#byListener.clear();
    this.#epoch = epoch;
    this.#used.clear();
  }

  /** Forgets listeners no build asked for since begin(). */
  end(): void {
    for (const id of this.#byListener.keys()) if (!this.#used.has(id)) this.#byListener.delete(id);
  }

  /**
   * The build of listener `id` for `routes` (its attached routes, in attachment order). `change`: how they changed
   * since this listener's previous build (undefined: not at all; null: unknown).
   */
  build(
    id: string, listener: string, hostname: string | null, routes: ReadonlyMap<string, ListenerRoutes<CompiledRoute>> | undefined,
    change: ListenerChange<CompiledRoute> | null | undefined,
  ): ListenerBuild {
    this.#used.add(id);
    const prev = this.#byListener.get(id);
    if (prev !== undefined && change === undefined && prev.host.listener === listener && prev.host.hostname === hostname) return prev;
    const patched = prev !== undefined && change != null && prev.host.listener === listener && prev.host.hostname === hostname ? patch(prev, change) : null;
    const out = patched ?? build(listener, hostname, routes?.values() ?? []);
    if (out === null) {
      this.#byListener.delete(id);
      return plainBuild(listener, hostname, routes?.values() ?? []);
    }
    this.#byListener.set(id, out);
    return out;
  }
}

function rankedOf(route: CompiledRoute, hostnames: readonly string[]): Ranked[] {
  const created = route.route.metadata.creationTimestamp;
  // Every field from the start: fields comparePrecedence fills in later would otherwise give entries many shapes.
  return hostnames.flatMap((hostname) => route.routes.map((r): Ranked => ({ hostname, route: r, created, createdMs: undefined, sourceName: undefined })));
}

/**
 * A build that can be patched later, or null when two entries compare equal (their order is then input order).
 * Without ties its lists are what plainBuild gives, whatever order the routes came in.
 */
function build(listener: string, hostname: string | null, routes: Iterable<ListenerRoutes<CompiledRoute>>): Kept | null {
  const entries = new Map<CompiledRoute, Ranked[]>();
  const uses = new Map<string, number>();
  const clusters = new Map<string, ir.BackendCluster>();
  const ranked: Ranked[] = [];
  for (const { route, hostnames } of routes) {
    const mine = rankedOf(route, hostnames);
    entries.set(route, mine);
    for (const r of mine) ranked.push(r);
    for (const cl of route.clusters) {
      uses.set(cl.name, (uses.get(cl.name) ?? 0) + 1);
      if (!clusters.has(cl.name)) clusters.set(cl.name, cl);
    }
  }
  ranked.sort(comparePrecedence);
  for (let i = 1; i < ranked.length; i++) if (comparePrecedence(ranked[i - 1]!, ranked[i]!) === 0) return null;
  const hostCount = new Map<string, number>();
  for (const r of ranked) hostCount.set(r.hostname, (hostCount.get(r.hostname) ?? 0) + 1);
  const vhosts = new Map<string, VirtualHostBuild>();
  for (const name of [...hostCount.keys()].sort(compareHostnames)) vhosts.set(name, vhostOf(name, ranked));
  const host: ir.ListenerHost = { listener, hostname, virtualHosts: [...vhosts.values()].map((v) => v.vh) };
  return { host, clusters, ranked, entries, uses, hostCount, vhosts };
}

/** The build from scratch: a stable sort of the routes' entries in the order given (which only ties can tell). */
function plainBuild(listener: string, hostname: string | null, routes: Iterable<ListenerRoutes<CompiledRoute>>): ListenerBuild {
  const clusters = new Map<string, ir.BackendCluster>();
  const ranked: Ranked[] = [];
  for (const { route, hostnames } of routes) {
    for (const r of rankedOf(route, hostnames)) ranked.push(r);
    for (const cl of route.clusters) if (!clusters.has(cl.name)) clusters.set(cl.name, cl);
  }
  ranked.sort(comparePrecedence);
  return { host: { listener, hostname, virtualHosts: hostnamesOf(ranked).map((name) => vhostOf(name, ranked).vh) }, clusters };
}

function hostnamesOf(ranked: readonly Ranked[]): string[] {
  return [...new Set(ranked.map((r) => r.hostname))].sort(compareHostnames);
}

/**
 * The virtual host `hostname`: the entries whose hostname covers it, in order, each IR route once (a route listing
 * two covering hostnames is there through the first).
 */
function vhostOf(hostname: string, ranked: readonly Ranked[]): VirtualHostBuild {
  const seen = new Set<string>();
  const mine: Ranked[] = [];
  for (const r of ranked) {
    if (!covers(r.hostname, hostname) || seen.has(r.route.name)) continue;
    seen.add(r.route.name);
    mine.push(r);
  }
  return { vh: { hostname, routes: mine.map((r) => r.route) }, ranked: mine };
}

/**
 * `prev` with `change` applied, or null when building again is the way (ties, many changes). `prev` is this
 * listener's alone and replaced by the result, so its lists are patched in place; what earlier results hold (virtual
 * and listener hosts) is never changed: a changed one is a new object.
 */
function patch(prev: Kept, change: ListenerChange<CompiledRoute>): Kept | null {
  const { removed, added } = change;
  if (removed.length + added.length > MAX_CHANGES) return null;
  // A route under two hostnames of one virtual host is there once: placing it needs the whole list (vhostOf).
  const multi = removed.some((lr) => lr.hostnames.length > 1) || added.some((lr) => lr.hostnames.length > 1);
  const { ranked, entries, uses, clusters, hostCount } = prev;
  const gone: Ranked[] = [], fresh: Ranked[] = [];
  let namesChanged = false;
  for (const { route } of removed) {
    const mine = entries.get(route);
    if (mine === undefined) return null;
    entries.delete(route);
    for (const r of mine) {
      if (removeAt(ranked, r) < 0) return null;
      gone.push(r);
      const n = hostCount.get(r.hostname)! - 1;
      if (n > 0) hostCount.set(r.hostname, n);
      else namesChanged = hostCount.delete(r.hostname);
    }
    for (const cl of route.clusters) {
      const n = uses.get(cl.name)! - 1;
      if (n > 0) uses.set(cl.name, n);
      else {
        uses.delete(cl.name);
        clusters.delete(cl.name);
      }
    }
  }
  for (const { route, hostnames } of added) {
    if (entries.has(route)) return null;
    const mine = rankedOf(route, hostnames);
    entries.set(route, mine);
    for (const r of mine) {
      if (insert(ranked, r) < 0) return null;
      fresh.push(r);
      const n = hostCount.get(r.hostname) ?? 0;
      if (n === 0) namesChanged = true;
      hostCount.set(r.hostname, n + 1);
    }
    for (const cl of route.clusters) {
      uses.set(cl.name, (uses.get(cl.name) ?? 0) + 1);
      if (!clusters.has(cl.name)) clusters.set(cl.name, cl);
    }
  }
  const names = namesChanged ? [...hostCount.keys()].sort(compareHostnames) : [...prev.vhosts.keys()];
  const vhosts = new Map<string, VirtualHostBuild>();
  let same = names.length === prev.vhosts.size;
  for (const name of names) {
    const before = prev.vhosts.get(name);
    const touches = (r: Ranked) => covers(r.hostname, name);
    let next: VirtualHostBuild | null | undefined = before;
    if (before === undefined) next = vhostOf(name, ranked);
    else if (gone.some(touches) || fresh.some(touches)) next = multi ? vhostOf(name, ranked) : patchVhost(before, gone.filter(touches), fresh.filter(touches));
    if (next == null) return null;
    if (next !== before) same = false;
    vhosts.set(name, next);
  }
  const host: ir.ListenerHost = same ? prev.host : { listener: prev.host.listener, hostname: prev.host.hostname, virtualHosts: [...vhosts.values()].map((v) => v.vh) };
  return { host, clusters, ranked, entries, uses, hostCount, vhosts };
}

/** A virtual host without the entries `gone` and with `fresh` (routes under one hostname each, so no repeats). */
function patchVhost(before: VirtualHostBuild, gone: readonly Ranked[], fresh: readonly Ranked[]): VirtualHostBuild | null {
  // The routes are spliced beside their entries: taking them from the entries again was most of a patch. The entries
  // are the kept build's alone (dropped when a patch fails); the routes are in an earlier result: copied.
  const ranked = before.ranked, routes = before.vh.routes.slice();
  for (const r of gone) {
    const at = removeAt(ranked, r);
    if (at < 0) return null;
    routes.splice(at, 1);
  }
  for (const r of fresh) {
    const at = insert(ranked, r);
    if (at < 0) return null;
    routes.splice(at, 0, r.route);
  }
  return { vh: { hostname: before.vh.hostname, routes }, ranked };
}

/** Inserts `r` where it goes in the strictly ordered `list` and returns where; -1 when an entry there compares equal. */
function insert(list: Ranked[], r: Ranked): number {
  const at = search(list, r);
  if ((at > 0 && comparePrecedence(list[at - 1]!, r) === 0) || (at < list.length && comparePrecedence(list[at]!, r) === 0)) return -1;
  list.splice(at, 0, r);
  return at;
}

/** Removes entry `r` from the strictly ordered `list` and returns where it was; -1 when it is not there. */
function removeAt(list: Ranked[], r: Ranked): number {
  const at = search(list, r);
  if (list[at] !== r) return -1;
  list.splice(at, 1);
  return at;
}

function search(list: readonly Ranked[], r: Ranked): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePrecedence(list[mid]!, r) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
