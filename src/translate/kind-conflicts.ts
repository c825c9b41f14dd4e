// An HTTPRoute and a GRPCRoute may not share a hostname on one listener (GRPCRouteSpec.hostnames): of the two, the
// oldest (then the first by namespace/name) is accepted and the other is refused on that listener. Routes attach in
// that order (byAge), so a route only ever has to give way to one already attached.
import { covers } from './hostnames.ts';

type Aged = { namespace: string; route: { kind: string; metadata: { name: string; creationTimestamp?: string } } };

const CROSS: Readonly<Record<string, string>> = { HTTPRoute: 'GRPCRoute', GRPCRoute: 'HTTPRoute' };

/** Oldest first, then by namespace/name; routes without creationTimestamp (or an unreadable one) come last. */
export function byAge<T extends Aged>(routes: readonly T[]): T[] {
  // Keys computed once: at thousands of routes, parsing dates inside the comparator shows in translate time.
  const keyed = routes.map((r) => {
    const t = r.route.metadata.creationTimestamp === undefined ? NaN : Date.parse(r.route.metadata.creationTimestamp);
    return { r, t: Number.isNaN(t) ? Infinity : t, name: `${r.namespace}/${r.route.metadata.name}` };
  });
  keyed.sort((a, b) => (a.t === b.t ? 0 : a.t < b.t ? -1 : 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return keyed.map((k) => k.r);
}

/**
 * The HTTPRoutes and GRPCRoutes on each listener with their hostnames, by `listener|kind`, so a route is checked
 * against the routes of the other kind only (checking every route on the listener made attachment quadratic).
 */
export class KindIndex {
  readonly #entries = new Map<string, { label: string; hostnames: readonly string[] }[]>();

  /** The route of the other kind already on `listener` whose hostnames meet `hostnames`, as `Kind ns/name`, or null. */
  conflict(listener: string, kind: string, hostnames: readonly string[]): string | null {
    const other = CROSS[kind];
    if (other === undefined) return null;
    for (const e of this.#entries.get(`${listener}|${other}`) ?? []) {
      if (hostnames.some((h) => e.hostnames.some((t) => covers(h, t) || covers(t, h)))) return e.label;
    }
    return null;
  }

  add(listener: string, kind: string, label: string, hostnames: readonly string[]): void {
    if (CROSS[kind] === undefined) return;
    const key = `${listener}|${kind}`;
    const list = this.#entries.get(key) ?? [];
    this.#entries.set(key, list);
    list.push({ label, hostnames });
  }
}
