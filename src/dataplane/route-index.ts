// First-match route lookup that stays flat as a virtual host grows: routes are indexed by their path constraint, so a
// request tests only the routes whose path could match it, still in precedence order.
//
// A one-route change to a large virtual host must not re-index every route (route propagation at thousands of routes
// is paid on every apply). So an index is immutable and update() shares what did not change with the index it came
// from: each route carries a rank (its precedence, with gaps, so routes can be inserted without renumbering the
// others), and the path buckets live in a fixed number of small shards, of which an update copies only those it touches.
import type { RequestView } from './match.ts';

type Indexable = { route: { match: { path?: { type: string; value: string } } }; matches: (req: RequestView) => boolean };

/** Below this many routes, trying each in order is as fast as the index and simpler to reason about. */
const LINEAR_LIMIT = 16;
/**
 * Rank distance between neighbours in a fresh index, less for huge ones so every rank stays an exact integer. Routes
 * inserted later take ranks close after their predecessor (STEP apart): a controller adding routes one after another
 * in the same precedence class inserts each right after the one before, and can do so 2 ** 16 times before the index
 * is built afresh; inserting between two routes already close halves their distance (about 20 times at one spot).
 */
const GAP = 2 ** 36;
const STEP = 2 ** 20;
const gapFor = (count: number) => Math.min(GAP, Math.floor(2 ** 52 / (count + 1)));
const SHARDS = 64;

type Entry<R> = { rank: number; route: R };
type Buckets<R> = readonly Map<string, Entry<R>[]>[];

export type RouteIndex<R> = {
  /** The routes in precedence order. */
  readonly routes: readonly R[];
  /** The first route (in precedence order) matching the request. */
  first(view: RequestView): R | undefined;
  /** Internal: what update() starts from; null for a small index tried in order. */
  readonly parts: Parts<R> | null;
};

type Parts<R> = { ranks: readonly number[]; exact: Buckets<R>; prefix: Buckets<R>; always: readonly Entry<R>[] };

/** A polynomial hash over the key's characters: the lookup computes it for every prefix of a path in one pass. */
const mix = (h: number, c: number) => (Math.imul(h, 31) + c) | 0;
const shardOfHash = (h: number) => Math.imul(h, 0x9e3779b1) >>> 26; // SHARDS = 2 ** 6

function shardOf(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = mix(h, key.charCodeAt(i));
  return shardOfHash(h);
}

/** Where a route goes: an exact path, a path prefix (without trailing slash), or tried for every request. */
function keyOf(r: Indexable): { kind: 'exact' | 'prefix'; key: string } | null {
  const p = r.route.match.path;
  if (p?.type === 'Exact') return { kind: 'exact', key: p.value };
  if (p?.type === 'PathPrefix' && p.value !== '/' && p.value !== '') return { kind: 'prefix', key: p.value.endsWith('/') ? p.value.slice(0, -1) : p.value };
  return null; // no path match, `/` prefix, or a regex
}

export function compileRouteIndex<R extends Indexable>(routes: readonly R[]): RouteIndex<R> {
  if (routes.length <= LINEAR_LIMIT) {
    return {
      routes, parts: null,
      first(view) {
        for (const r of routes) if (r.matches(view)) return r;
        return undefined;
      },
    };
  }
  const exact = Array.from({ length: SHARDS }, () => new Map<string, Entry<R>[]>());
  const prefix = Array.from({ length: SHARDS }, () => new Map<string, Entry<R>[]>());
  const always: Entry<R>[] = [];
  const gap = gapFor(routes.length);
  const ranks = routes.map((_, i) => i * gap);
  routes.forEach((route, i) => {
    const entry = { rank: ranks[i]!, route };
    const k = keyOf(route);
    if (k === null) {
      always.push(entry);
      return;
    }
    const shard = (k.kind === 'exact' ? exact : prefix)[shardOf(k.key)]!;
    const list = shard.get(k.key);
    if (list) list.push(entry);
    else shard.set(k.key, [entry]);
  });
  return indexOf(routes, { ranks, exact, prefix, always });
}

/**
 * The index of `prev.routes` with `removed` routes at `at` replaced by `inserted`: what did not change is shared with
 * `prev`, which stays valid (routers serving requests keep using it).
 */
export function updateRouteIndex<R extends Indexable>(prev: RouteIndex<R>, at: number, removed: number, inserted: readonly R[]): RouteIndex<R> {
  const old = prev.routes;
  const routes = old.slice(0, at).concat(inserted, old.slice(at + removed));
  const parts = prev.parts;
  if (parts === null || routes.length <= LINEAR_LIMIT) return compileRouteIndex(routes);
  const fresh = ranksBetween(at > 0 ? parts.ranks[at - 1] : undefined, at + removed < old.length ? parts.ranks[at + removed] : undefined, inserted.length);
  if (fresh === null) return compileRouteIndex(routes);

  const exact = [...parts.exact], prefix = [...parts.prefix];
  const copied = new Set<Map<string, Entry<R>[]>>();
  const writable = (shards: Map<string, Entry<R>[]>[], key: string) => {
    const s = shardOf(key);
    let shard = shards[s]!;
    if (!copied.has(shard)) {
      shard = new Map(shard);
      copied.add(shard);
      shards[s] = shard;
    }
    return shard;
  };
  let always = parts.always;
  for (let i = at; i < at + removed; i++) {
    const rank = parts.ranks[i]!, k = keyOf(old[i]!);
    if (k === null) {
      always = always.filter((e) => e.rank !== rank);
      continue;
    }
    const shard = writable(k.kind === 'exact' ? exact : prefix, k.key);
    const list = shard.get(k.key)!.filter((e) => e.rank !== rank);
    if (list.length === 0) shard.delete(k.key);
    else shard.set(k.key, list);
  }
  inserted.forEach((route, n) => {
    const entry = { rank: fresh[n]!, route };
    const k = keyOf(route);
    if (k === null) {
      always = insertByRank(always, entry);
      return;
    }
    const shard = writable(k.kind === 'exact' ? exact : prefix, k.key);
    shard.set(k.key, insertByRank(shard.get(k.key) ?? [], entry));
  });
  const ranks = parts.ranks.slice(0, at).concat(fresh, parts.ranks.slice(at + removed));
  return indexOf(routes, { ranks, exact, prefix, always });
}

/** `count` increasing integer ranks strictly between `lo` and `hi` (either may be open), or null when they do not fit. */
function ranksBetween(lo: number | undefined, hi: number | undefined, count: number): number[] | null {
  if (count === 0) return [];
  let ranks: number[];
  if (lo === undefined && hi === undefined) return null;
  else if (hi === undefined) ranks = Array.from({ length: count }, (_, k) => lo! + STEP * (k + 1));
  else if (lo === undefined) ranks = Array.from({ length: count }, (_, k) => hi - STEP * (count - k));
  else {
    const step = Math.min(STEP, Math.floor((hi - lo) / (count + 1)));
    if (step < 1) return null;
    ranks = Array.from({ length: count }, (_, k) => lo + step * (k + 1));
  }
  return Number.isSafeInteger(ranks[0]) && Number.isSafeInteger(ranks[count - 1]) ? ranks : null;
}

function insertByRank<R>(list: readonly Entry<R>[], entry: Entry<R>): Entry<R>[] {
  let i = list.length;
  while (i > 0 && list[i - 1]!.rank > entry.rank) i--;
  return [...list.slice(0, i), entry, ...list.slice(i)];
}

function indexOf<R extends Indexable>(routes: readonly R[], parts: Parts<R>): RouteIndex<R> {
  const { exact, prefix, always } = parts;
  return {
    routes, parts,
    first(view) {
      const path = view.path;
      const lists: (readonly Entry<R>[])[] = [always];
      // Every key a PathPrefix route could have to match this path: `/a`, `/a/b`, … and the path itself.
      let h = 0;
      for (let i = 0; i < path.length; i++) {
        const c = path.charCodeAt(i);
        if (c === 47 /* / */ && i > 0) {
          const l = prefix[shardOfHash(h)]!.get(path.slice(0, i));
          if (l) lists.push(l);
        }
        h = mix(h, c);
      }
      const shard = shardOfHash(h);
      const whole = prefix[shard]!.get(path);
      if (whole) lists.push(whole);
      const e = exact[shard]!.get(path);
      if (e) lists.push(e);
      // Lists are in rank (precedence) order; try the lowest next until one matches.
      const at = new Array<number>(lists.length).fill(0);
      for (;;) {
        let best: Entry<R> | undefined, from = -1;
        for (let k = 0; k < lists.length; k++) {
          const candidate = lists[k]![at[k]!];
          if (candidate !== undefined && (best === undefined || candidate.rank < best.rank)) {
            best = candidate;
            from = k;
          }
        }
        if (best === undefined) return undefined;
        at[from]!++;
        if (best.route.matches(view)) return best.route;
      }
    },
  };
}
