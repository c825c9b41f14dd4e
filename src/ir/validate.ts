// Checks a ProxyConfig for internal consistency before a data plane accepts it. Returns problems, empty when sound.
// The value checks are exported so the translator refuses the same things with a route condition: anything that
// passes here can be written to a socket by Node and undici without throwing.
import { RE2JS } from 're2js';
import type { HeaderModifier, HttpFilter, HttpMatch, HttpRoute, PathModifier, ProxyConfig } from './types.ts';

/** RFC 7230 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node's and undici's header checks accept: tab, visible ASCII, space, and obs-text (0x80-0xff). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** RFC 1123 hostname, case-insensitive, as Gateway API's PreciseHostname. */
const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;
/** A path as undici sends it: visible ASCII only (users percent-encode the rest). */
const PATH = /^\/[\x21-\x7e]*$/;

/**
 * Headers that frame or steer the connection: setting them breaks every request (undici refuses them) or the
 * response framing. `host` is allowed: rewriting it is how users choose the upstream's virtual host.
 */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer', 'content-length',
]);

/** `setting` is false for names a filter only removes: removing a connection header is harmless. */
export function headerNameProblem(name: string, setting = true): string | undefined {
  if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not a valid HTTP token (letters, digits and !#$%&'*+-.^_\`|~)`;
  if (setting && FORBIDDEN_HEADERS.has(name.toLowerCase())) return `header ${name} controls the connection and cannot be set or added by a filter`;
  return undefined;
}

export function headerValueProblem(value: string): string | undefined {
  return FIELD_VALUE.test(value) ? undefined : `header value ${JSON.stringify(value)} contains a control character (CR, LF, NUL, ...) or a character above U+00FF`;
}

export function hostnameProblem(hostname: string): string | undefined {
  return hostname.length <= 253 && HOSTNAME.test(hostname) ? undefined : `hostname ${JSON.stringify(hostname)} is not a valid hostname (RFC 1123, no wildcard, no port)`;
}

export function pathValueProblem(path: string): string | undefined {
  return PATH.test(path) ? undefined : `path ${JSON.stringify(path)} must start with / and hold only visible ASCII characters (percent-encode the rest)`;
}

/** RE2 syntax: matching is linear-time, so no pattern can stall the event loop. */
export function regexProblem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return `invalid regular expression ${JSON.stringify(pattern)} (${(e as Error).message}; RE2 syntax, no lookaround or backreferences)`;
  }
}

export function validateProxyConfig(c: ProxyConfig): string[] {
  const problems: string[] = [];
  const at = `ProxyConfig ${c.gateway}`;
  const ports = new Set<number>();
  for (const [name, cluster] of Object.entries(c.backends)) {
    if (cluster.name !== name) problems.push(`${at}: backends[${name}] is named ${cluster.name}`);
    for (const e of cluster.endpoints) {
      if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) problems.push(`${at}: backend ${name} endpoint ${e.address} has invalid port ${e.port}`);
    }
  }
  for (const l of c.listeners) {
    if (ports.has(l.port)) problems.push(`${at}: port ${l.port} appears in more than one listener`);
    ports.add(l.port);
    // Port 0 asks the OS for any free port (the bind result reports the one it got); translated Gateways never carry it.
    if (!Number.isInteger(l.port) || l.port < 0 || l.port > 65535) problems.push(`${at}: listener port ${l.port} is out of range`);
    const hostnames = new Set<string>();
    for (const h of l.hosts) {
      const key = h.hostname ?? '';
      if (hostnames.has(key)) problems.push(`${at}: port ${l.port} has two listener hosts for ${h.hostname ?? 'any host'}`);
      hostnames.add(key);
      const vhostNames = new Set<string>();
      for (const v of h.virtualHosts) {
        const vat = `${at} port ${l.port} listener ${h.listener} vhost ${v.hostname}`;
        if (vhostNames.has(v.hostname)) problems.push(`${vat}: duplicate virtual host`);
        vhostNames.add(v.hostname);
        const names = new Set<string>();
        for (const r of v.routes) {
          if (names.has(r.name)) problems.push(`${vat}: duplicate route name ${r.name}`);
          names.add(r.name);
          problems.push(...checkRoute(r, c, vat));
        }
      }
    }
  }
  return problems;
}

function checkRoute(r: HttpRoute, c: ProxyConfig, at: string): string[] {
  const problems = [...checkMatch(r.match), ...r.filters.flatMap(checkFilter)].map((p) => `${at} route ${r.name}: ${p}`);
  if (r.action.type === 'Redirect') {
    const { scheme, hostname, port, path } = r.action;
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') problems.push(`${at} route ${r.name}: redirect scheme ${JSON.stringify(scheme)} is not http or https`);
    const hp = hostname === undefined ? undefined : hostnameProblem(hostname);
    if (hp) problems.push(`${at} route ${r.name}: redirect ${hp}`);
    if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) problems.push(`${at} route ${r.name}: redirect port ${port} is out of range`);
    problems.push(...checkPath(path).map((p) => `${at} route ${r.name}: redirect ${p}`));
  }
  if (r.action.type === 'Forward') {
    for (const b of r.action.backends) {
      if (b.cluster !== null && !Object.hasOwn(c.backends, b.cluster)) problems.push(`${at} route ${r.name}: cluster ${b.cluster} is referenced but missing`);
      if (!(b.weight >= 0)) problems.push(`${at} route ${r.name}: negative weight ${b.weight}`);
    }
  }
  return problems;
}

function checkFilter(f: HttpFilter): string[] {
  if (f.type === 'URLRewrite') {
    const hp = f.hostname === undefined ? undefined : hostnameProblem(f.hostname);
    return [...(hp ? [`URLRewrite ${hp}`] : []), ...checkPath(f.path).map((p) => `URLRewrite ${p}`)];
  }
  return checkHeaders(f.modifier).map((p) => `${f.type}: ${p}`);
}

function checkHeaders(m: HeaderModifier): string[] {
  const out: string[] = [];
  for (const h of [...m.set, ...m.add]) {
    const p = headerNameProblem(h.name) ?? headerValueProblem(h.value);
    if (p) out.push(p);
  }
  for (const name of m.remove) {
    const p = headerNameProblem(name, false);
    if (p) out.push(p);
  }
  return out;
}

function checkPath(p: PathModifier | undefined): string[] {
  const problem = p === undefined ? undefined : pathValueProblem(p.value);
  return problem ? [problem] : [];
}

function checkMatch(m: HttpMatch): string[] {
  const problems: string[] = [];
  const regex = (value: string, what: string) => {
    const p = regexProblem(value);
    if (p) problems.push(`${what} has bad regex: ${p}`);
  };
  if (m.path?.type === 'RegularExpression') regex(m.path.value, 'path');
  else if (m.path && !m.path.value.startsWith('/')) problems.push(`path ${JSON.stringify(m.path.value)} does not start with /`);
  for (const h of m.headers) {
    if (h.name !== h.name.toLowerCase()) problems.push(`header name ${h.name} is not lower-case`);
    if (h.type === 'RegularExpression') regex(h.value, `header ${h.name}`);
  }
  for (const q of m.query) if (q.type === 'RegularExpression') regex(q.value, `query ${q.name}`);
  return problems;
}
