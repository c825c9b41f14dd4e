// An HTTPRoute and a GRPCRoute may not share a hostname on one listener (GRPCRouteSpec.hostnames): of the two, the
// oldest (then the first by namespace/name) is accepted and the other is refused on that listener. Routes attach in
// that order (byAge), so a route only ever has to give way to one already attached.
import { covers } from './hostnames.ts';

type Aged = { namespace: string; route: { kind: string; metadata: { name: string; creationTimestamp?: string } } };
type Attached = ReadonlyMap<string, { route: Aged; hostnames: readonly string[] }>;

const CROSS: Readonly<Record<string, string>> = { HTTPRoute: 'GRPCRoute', GRPCRoute: 'HTTPRoute' };

/** Oldest first, then by namespace/name; routes without creationTimestamp come last. */
export function byAge<T extends Aged>(routes: readonly T[]): T[] {
  const key = (r: T) => `${r.namespace}/${r.route.metadata.name}`;
  return [...routes].sort((a, b) => {
    const ta = a.route.metadata.creationTimestamp, tb = b.route.metadata.creationTimestamp;
    if (ta !== tb) {
      if (ta === undefined) return 1;
      if (tb === undefined) return -1;
      const d = Date.parse(ta) - Date.parse(tb);
      if (d !== 0 && !Number.isNaN(d)) return d;
    }
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  });
}

/** The route of the other kind already on the listener whose hostnames meet `hostnames`, as `Kind ns/name`, or null. */
export function kindConflict(onListener: Attached | undefined, kind: string, hostnames: readonly string[]): string | null {
  const other = CROSS[kind];
  if (other === undefined || onListener === undefined) return null;
  for (const { route, hostnames: theirs } of onListener.values()) {
    if (route.route.kind !== other) continue;
    if (hostnames.some((h) => theirs.some((t) => covers(h, t) || covers(t, h)))) return `${other} ${route.namespace}/${route.route.metadata.name}`;
  }
  return null;
}
