// Hostname matching as the spec defines it: `*.example.com` matches one or more labels before `.example.com`.

const isWildcard = (h: string) => h.startsWith('*.');

/** Does a concrete or wildcard pattern `pattern` cover every host that `host` names? `*` covers all. */
export function covers(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (!isWildcard(pattern)) return false;
  const suffix = pattern.slice(1); // `.example.com`
  if (isWildcard(host)) return host.slice(1).endsWith(suffix) && host.length > pattern.length;
  return host.endsWith(suffix) && host.length > suffix.length;
}

/**
 * The hostname requests must carry to reach a route hostname through a listener hostname, or null when they share
 * none. A null listener hostname accepts any; the result is the more specific of the two.
 */
export function intersect(listener: string | null, route: string): string | null {
  if (listener === null) return route;
  if (covers(listener, route)) return route;
  if (covers(route, listener)) return listener;
  return null;
}

/** Effective hostnames of a route under a listener; `*` means any host. Empty: no intersection. */
export function effectiveHostnames(listener: string | null, routeHostnames: readonly string[]): string[] {
  if (routeHostnames.length === 0) return [listener ?? '*'];
  const out = new Set<string>();
  for (const h of routeHostnames) {
    const i = intersect(listener, h.toLowerCase());
    if (i !== null) out.add(i);
  }
  return [...out];
}

/** Most specific first: exact names, then wildcards with longer suffixes, then `*`/null; ties alphabetical. */
export function compareHostnames(a: string | null, b: string | null): number {
  const rank = (h: string | null) => (h === null || h === '*' ? 2 : isWildcard(h) ? 1 : 0);
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  const la = a?.length ?? 0, lb = b?.length ?? 0;
  if (la !== lb) return lb - la;
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}
