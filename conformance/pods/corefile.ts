// Just enough of a coredns Corefile to play the suite's coredns pod: which UDP ports to serve, and for each zone
// whether it answers (`whoami`) or would forward upstream (unreachable here: no network beyond loopback).

export type ZoneBehaviour = 'whoami' | 'unanswerable';
export type Zone = { zone: string; port: number; behaviour: ZoneBehaviour };

/** The Corefile of the suite's base manifests, used when the pod's ConfigMap file is not readable. */
export const SUITE_COREFILE = `.:53 {
    forward . 8.8.8.8 9.9.9.9
    log
    errors
}
foo.bar.com:53 {
  whoami
}
`;

function normaliseZone(host: string): string {
  const lower = host.toLowerCase();
  if (lower === '' || lower === '.') return '.';
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Parses one server-block key such as `.:53`, `foo.bar.com:53`, `dns://example.org` (port 53 by default). */
function parseKey(key: string): { zone: string; port: number } | undefined {
  const scheme = /^([a-z0-9+]+):\/\//i.exec(key);
  if (scheme && scheme[1].toLowerCase() !== 'dns') return undefined; // tls://, https://, grpc:// are not UDP
  const rest = scheme ? key.slice(scheme[0].length) : key;
  const m = /^(.*?)(?::(\d+))?$/.exec(rest);
  if (!m) return undefined;
  return { zone: normaliseZone(m[1]), port: m[2] === undefined ? 53 : Number(m[2]) };
}

/**
 * Zones of every server block. A block whose plugins include `forward` (which coredns runs before `whoami`) or
 * lack `whoami` cannot answer here, as coredns answers SERVFAIL when its upstreams are unreachable.
 */
export function parseCorefile(text: string): Zone[] {
  const tokens = text.split('\n').flatMap((line) =>
    line
      .replace(/#.*$/, '')
      .split(/[\s,]+|(?=[{}])|(?<=[{}])/)
      .filter((t) => t !== '')
      .map((token, i) => ({ token, lineStart: i === 0 })),
  );
  const zones: Zone[] = [];
  let keys: string[] = [];
  let depth = 0;
  let plugins = new Set<string>();
  let afterBrace = false;
  for (const { token, lineStart } of tokens) {
    if (token === '{') {
      depth++;
      afterBrace = true;
      continue;
    }
    if (token === '}') {
      depth--;
      if (depth === 0) {
        const behaviour: ZoneBehaviour = plugins.has('whoami') && !plugins.has('forward') ? 'whoami' : 'unanswerable';
        for (const key of keys) {
          const parsed = parseKey(key);
          if (parsed) zones.push({ ...parsed, behaviour });
        }
        keys = [];
        plugins = new Set();
      }
      continue;
    }
    if (depth === 0) keys.push(token);
    else if (depth === 1 && (lineStart || afterBrace)) plugins.add(token);
    afterBrace = false;
  }
  return zones;
}
