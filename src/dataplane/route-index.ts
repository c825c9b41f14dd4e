// First-match route lookup that stays flat as a virtual host grows: routes are indexed by their path constraint, so a
// request tests only the routes whose path could match it, still in precedence order.
import type { RequestView } from './match.ts';

type Indexable = { route: { match: { path?: { type: string; value: string } } }; matches: (req: RequestView) => boolean };

/** Below this many routes, trying each in order is as fast as the index and simpler to reason about. */
const LINEAR_LIMIT = 16;

export type RouteIndex<R> = (view: RequestView) => R | undefined;

export function compileRouteIndex<R extends Indexable>(routes: readonly R[]): RouteIndex<R> {
  if (routes.length <= LINEAR_LIMIT) {
    return (view) => {
      for (const r of routes) if (r.matches(view)) return r;
      return undefined;
    };
  }
  const exact = new Map<string, number[]>();
  const prefix = new Map<string, number[]>();
  const always: number[] = []; // no path match, `/` prefix, or a regex: checked for every request
  const add = (map: Map<string, number[]>, key: string, i: number) => {
    const list = map.get(key);
    if (list) list.push(i);
    else map.set(key, [i]);
  };
  routes.forEach((r, i) => {
    const p = r.route.match.path;
    if (p?.type === 'Exact') add(exact, p.value, i);
    else if (p?.type === 'PathPrefix' && p.value !== '/' && p.value !== '') add(prefix, p.value.endsWith('/') ? p.value.slice(0, -1) : p.value, i);
    else always.push(i);
  });

  return (view) => {
    const path = view.path;
    // Every key a PathPrefix route could have to match this path: `/a`, `/a/b`, … and the path itself.
    const lists: number[][] = [always];
    const e = exact.get(path);
    if (e) lists.push(e);
    for (let i = 1; i < path.length; i++) {
      if (path.charCodeAt(i) === 47 /* / */) {
        const l = prefix.get(path.slice(0, i));
        if (l) lists.push(l);
      }
    }
    const whole = prefix.get(path);
    if (whole) lists.push(whole);
    // Lists hold indices in precedence order; try the lowest next until one matches.
    const at = new Array<number>(lists.length).fill(0);
    for (;;) {
      let best = -1, from = -1;
      for (let k = 0; k < lists.length; k++) {
        const i = lists[k][at[k]];
        if (i !== undefined && (best === -1 || i < best)) {
          best = i;
          from = k;
        }
      }
      if (best === -1) return undefined;
      at[from]++;
      if (routes[best].matches(view)) return routes[best];
    }
  };
}
