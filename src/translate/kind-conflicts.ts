// An HTTPRoute and a GRPCRoute may not share a hostname on one listener (GRPCRouteSpec.hostnames): of the two, the
// oldest (then the first by namespace/name) is accepted and the other is refused on that listener. Routes attach in
// that order (oldest first, then by namespace/name; routes.ts), so a route only ever has to give way to one already attached.
import { covers } from './hostnames.ts';

const CROSS: Readonly<Record<string, string>> = { HTTPRoute: 'GRPCRoute', GRPCRoute: 'HTTPRoute' };

/**
 * The HTTPRoutes and GRPCRoutes on each listener with their hostnames, by `listener|kind`, so a route is checked
 * against the routes of the other kind only (checking every route on the listener made attachment quadratic).
 */
export class KindIndex {
  /** listener → kind → routes. Keyed in two steps: a joined `listener|kind` string was hashed anew on every lookup. */
  readonly #entries = new Map<string, Map<string, { label: string; hostnames: readonly string[] }[]>>();

  /** The route of the other kind already on `listener` whose hostnames meet `hostnames`, as `Kind ns/name`, or null. */
  conflict(listener: string, kind: string, hostnames: readonly string[]): string | null {
    const other = CROSS[kind];
    if (other === undefined) return null;
    for (const e of this.#entries.get(listener)?.get(other) ?? []) {
      if (hostnames.some((h) => e.hostnames.some((t) => covers(h, t) || covers(t, h)))) return e.label;
    }
    return null;
  }

  add(listener: string, kind: string, label: string, hostnames: readonly string[]): void {
    if (CROSS[kind] === undefined) return;
    let byKind = this.#entries.get(listener);
    if (byKind === undefined) this.#entries.set(listener, byKind = new Map());
    const list = byKind.get(kind);
    if (list === undefined) byKind.set(kind, [{ label, hostnames }]);
    else list.push({ label, hostnames });
  }
}
