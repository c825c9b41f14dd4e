// Hostname lookup: exact names in a map, `*.suffix` wildcards, and a catch-all. The IR lists entries most specific
// first, so the answer is the lowest-indexed entry that matches; a map keeps the common exact case O(1).

export type HostTable<T> = { lookup(host: string): T | undefined };

/** `hostname` null or `*` matches any host; `*.example.com` matches one or more labels before `.example.com`. */
export function compileHostTable<T>(entries: readonly { hostname: string | null; value: T }[]): HostTable<T> {
  const exact = new Map<string, { index: number; value: T }>();
  const wildcards: { suffix: string; index: number; value: T }[] = [];
  let any: { index: number; value: T } | undefined;
  entries.forEach((entry, index) => {
    const name = entry.hostname?.toLowerCase() ?? null;
    if (name === null || name === '*') {
      any ??= { index, value: entry.value };
    } else if (name.startsWith('*.')) {
      wildcards.push({ suffix: name.slice(1), index, value: entry.value });
    } else if (!exact.has(name)) {
      exact.set(name, { index, value: entry.value });
    }
  });

  return {
    lookup(host: string): T | undefined {
      let best = exact.get(host);
      for (const w of wildcards) {
        if (best !== undefined && w.index > best.index) break;
        if (host.length > w.suffix.length && host.endsWith(w.suffix)) {
          best = w;
          break;
        }
      }
      if (any !== undefined && (best === undefined || any.index < best.index)) best = any;
      return best?.value;
    },
  };
}

/** The Host header lower-cased, without port; IPv6 literals keep their brackets. */
export function hostWithoutPort(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const host = hostHeader.toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
