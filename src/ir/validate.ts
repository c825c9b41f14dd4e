// Checks a ProxyConfig for internal consistency before a data plane accepts it. Returns problems, empty when sound.
// The value checks are exported so the translator refuses the same things with a route condition: anything that
// passes here can be written to a socket by Node and undici without throwing.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { RE2JS } from 're2js';
import { tlsOptionsProblems } from './tls-defaults.ts';
import { checkL4Listener } from './validate-l4.ts';
import type { BackendCluster, BackendTls, HeaderModifier, HttpFilter, HttpMatch, HttpRoute, HttpsListener, PathModifier, ProxyConfig, TlsSecret } from './types.ts';

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

// ---- TLS: whatever passes here, node:tls can build a secure context from. Pure computation: no I/O, no clock.
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const MEMO_LIMIT = 1024;
/** Parsing RSA keys on every translate and apply adds up; the answer depends only on the bytes. */
const memo = new Map<string, string>();

/** The PEM certificate blocks of `pem`, in order, normalised (other text dropped); empty when there is none. */
export function parseCertificateChain(pem: string): string[] {
  return [...pem.matchAll(CERT_BLOCK)].map((m) => m[0]);
}

/** Why `certificate` (PEM chain, leaf first) and `privateKey` (PEM) cannot serve TLS, or undefined when they can. */
export function tlsSecretProblem(certificate: string, privateKey: string): string | undefined {
  const id = createHash('sha256').update(certificate).update('\0').update(privateKey).digest('hex');
  const known = memo.get(id);
  if (known !== undefined) return known || undefined;
  const problem = check(certificate, privateKey) ?? '';
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(id, problem);
  return problem || undefined;
}

function check(certificate: string, privateKey: string): string | undefined {
  const blocks = parseCertificateChain(certificate);
  if (blocks.length === 0) return 'the certificate holds no PEM "BEGIN CERTIFICATE" block';
  let leaf: X509Certificate | undefined;
  for (const [i, block] of blocks.entries()) {
    try {
      const cert = new X509Certificate(block);
      leaf ??= cert;
    } catch (e) {
      return `certificate ${i + 1} of the chain does not parse (${(e as Error).message})`;
    }
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) return 'the private key holds no PEM "PRIVATE KEY" block';
  if (/ENCRYPTED/.test(privateKey)) return 'the private key is encrypted; store it unencrypted (Kubernetes TLS Secrets hold plain keys)';
  let key;
  try {
    key = createPrivateKey(privateKey);
  } catch (e) {
    // The error names the decoder step only, never key bytes.
    return `the private key does not parse (${(e as Error).message})`;
  }
  if (!leaf!.checkPrivateKey(key)) return 'the private key does not belong to the first certificate of the chain';
  return undefined;
}

const BACKEND_PROTOCOLS: ReadonlySet<string> = new Set(['http1', 'h2c', 'ws']);

/**
 * What earlier validations found sound, for a caller that validates config after config (the data plane). Keyed by
 * object, so only for IR that is never changed in place: a translator hands over the same objects for what did not
 * change, and a one-route change to a virtual host of thousands is checked for that route only. The memo never
 * changes what is reported: whatever it cannot vouch for is checked as without it.
 */
export type ValidationMemo = {
  /** Routes found sound, with the clusters each names: only those are checked again, as nothing else it depends on. */
  routes: WeakMap<HttpRoute, readonly string[]>;
  /** Clusters found sound under that backends key. */
  clusters: WeakMap<BackendCluster, string>;
  secrets: WeakSet<TlsSecret>;
  /** Per gateway, per virtual host (port, listener, hostname): its routes as last found sound, their names and the clusters they use. */
  vhosts: Map<string, Map<string, VhostMemo>>;
};

type VhostMemo = { routes: readonly HttpRoute[]; names: Set<string>; uses: Map<string, number> };

export function newValidationMemo(): ValidationMemo {
  return { routes: new WeakMap(), clusters: new WeakMap(), secrets: new WeakSet(), vhosts: new Map() };
}

export function validateProxyConfig(c: ProxyConfig, memo?: ValidationMemo): string[] {
  const problems: string[] = [];
  const at = `ProxyConfig ${c.gateway}`;
  const ports = new Set<number>();
  for (const [name, cluster] of Object.entries(c.backends)) {
    if (memo?.clusters.get(cluster) === name) continue;
    const before = problems.length;
    if (cluster.name !== name) problems.push(`${at}: backends[${name}] is named ${cluster.name}`);
    if (!BACKEND_PROTOCOLS.has(cluster.protocol)) problems.push(`${at}: backend ${name} has protocol ${String(cluster.protocol)}; use one of ${[...BACKEND_PROTOCOLS].join(', ')}`);
    for (const e of cluster.endpoints) {
      if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) problems.push(`${at}: backend ${name} endpoint ${e.address} has invalid port ${e.port}`);
    }
    if (cluster.tls) problems.push(...backendTlsProblems(cluster.tls).map((p) => `${at}: backend ${name} tls: ${p}`));
    if (problems.length === before) memo?.clusters.set(cluster, name);
  }
  for (const [name, secret] of Object.entries(c.secrets ?? {})) {
    if (memo?.secrets.has(secret)) continue;
    const p = tlsSecretProblem(secret.certificate, secret.privateKey);
    if (p) problems.push(`${at}: secret ${name}: ${p}`);
    else memo?.secrets.add(secret);
  }
  const known = memo?.vhosts.get(c.gateway);
  const sound = new Map<string, VhostMemo>();
  for (const l of c.listeners) {
    if (l.protocol === 'HTTPS') problems.push(...checkCertificates(l, c, at));
    // UDP and TCP are different sockets in the kernel: the same number may serve one of each.
    const portKey = l.protocol === 'UDP' ? -l.port - 1 : l.port;
    if (ports.has(portKey)) problems.push(`${at}: ${l.protocol === 'UDP' ? 'UDP ' : ''}port ${l.port} appears in more than one listener`);
    ports.add(portKey);
    // Port 0 asks the OS for any free port (the bind result reports the one it got); translated Gateways never carry it.
    if (!Number.isInteger(l.port) || l.port < 0 || l.port > 65535) problems.push(`${at}: listener port ${l.port} is out of range`);
    if (l.protocol === 'TLS' || l.protocol === 'TCP' || l.protocol === 'UDP') {
      problems.push(...checkL4Listener(l, c, at));
      continue;
    }
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
        const vkey = `${l.port}\0${h.listener}\0${v.hostname}`;
        const fresh = memo !== undefined && !sound.has(vkey);
        const kept = fresh ? known?.get(vkey) : undefined;
        if (kept !== undefined && updateVhostMemo(kept, v.routes, c, vat, memo!)) {
          sound.set(vkey, kept);
          continue;
        }
        const found = checkRoutes(v.routes, c, vat, memo);
        if (found.problems.length > 0) problems.push(...found.problems);
        else if (fresh) sound.set(vkey, found.memo);
      }
    }
  }
  memo?.vhosts.set(c.gateway, sound);
  return problems;
}

/** Forgets the virtual hosts of gateways not in `gateways` (they were removed). */
export function retainGateways(memo: ValidationMemo, gateways: ReadonlySet<string>): void {
  for (const g of memo.vhosts.keys()) if (!gateways.has(g)) memo.vhosts.delete(g);
}

function checkRoutes(routes: readonly HttpRoute[], c: ProxyConfig, vat: string, memo: ValidationMemo | undefined): { problems: string[]; memo: VhostMemo } {
  const problems: string[] = [];
  const names = new Set<string>();
  const uses = new Map<string, number>();
  for (const r of routes) {
    if (names.has(r.name)) problems.push(`${vat}: duplicate route name ${r.name}`);
    names.add(r.name);
    let clusters = memo?.routes.get(r);
    if (clusters === undefined || !clusters.every((n) => Object.hasOwn(c.backends, n))) {
      const found = checkRoute(r, c, vat);
      if (found.length > 0) {
        problems.push(...found);
        continue;
      }
      clusters = clustersOf(r);
      memo?.routes.set(r, clusters);
    }
    if (memo) for (const n of clusters) uses.set(n, (uses.get(n) ?? 0) + 1);
  }
  return { problems, memo: { routes, names, uses } };
}

/**
 * Brings `kept` (sound) up to `routes` by what differs between its routes and them (the common start and end are
 * kept), checking only the routes that came in: true when the result is sound. `kept` is spoilt when false, and
 * false also when so much changed that checking every route is the quicker way.
 */
function updateVhostMemo(kept: VhostMemo, routes: readonly HttpRoute[], c: ProxyConfig, vat: string, memo: ValidationMemo): boolean {
  const a = kept.routes, b = routes;
  if (a !== b) {
    const min = Math.min(a.length, b.length);
    let start = 0;
    while (start < min && a[start] === b[start]) start++;
    let end = 0;
    while (end < min - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
    // When most routes changed (config from a fresh parse: every object is new), checking them all is cheaper.
    if (a.length + b.length - 2 * (start + end) > b.length / 2) return false;
    for (let i = start; i < a.length - end; i++) {
      const r = a[i]!;
      kept.names.delete(r.name);
      for (const n of memo.routes.get(r) ?? clustersOf(r)) {
        const count = kept.uses.get(n)! - 1;
        if (count > 0) kept.uses.set(n, count);
        else kept.uses.delete(n);
      }
    }
    for (let i = start; i < b.length - end; i++) {
      const r = b[i]!;
      if (kept.names.has(r.name)) return false;
      kept.names.add(r.name);
      let clusters = memo.routes.get(r);
      if (clusters === undefined) {
        if (checkRoute(r, c, vat).length > 0) return false;
        clusters = clustersOf(r);
        memo.routes.set(r, clusters);
      }
      for (const n of clusters) kept.uses.set(n, (kept.uses.get(n) ?? 0) + 1);
    }
    kept.routes = b;
  }
  for (const n of kept.uses.keys()) if (!Object.hasOwn(c.backends, n)) return false;
  return true;
}

function checkCertificates(l: HttpsListener, c: ProxyConfig, at: string): string[] {
  const problems: string[] = [];
  const cv = l.clientValidation;
  if (cv) {
    if (cv.mode !== 'AllowValidOnly' && cv.mode !== 'AllowInsecureFallback') problems.push(`${at}: HTTPS port ${l.port} client validation mode ${String(cv.mode)} is not AllowValidOnly or AllowInsecureFallback`);
    if (cv.caCertificates.length === 0) problems.push(`${at}: HTTPS port ${l.port} client validation has no CA certificate`);
    for (const [i, pem] of cv.caCertificates.entries()) {
      try {
        new X509Certificate(pem);
      } catch (e) {
        problems.push(`${at}: HTTPS port ${l.port} client validation CA certificate ${i + 1} does not parse (${(e as Error).message})`);
      }
    }
  }
  if (l.certificates.length !== l.hosts.length) problems.push(`${at}: HTTPS port ${l.port} has ${l.hosts.length} listener hosts but ${l.certificates.length} certificate entries`);
  l.certificates.forEach((cert, i) => {
    const host = l.hosts[i];
    if (host && (host.listener !== cert.listener || host.hostname !== cert.hostname)) {
      problems.push(`${at}: HTTPS port ${l.port} certificate entry ${i} (${cert.listener}) does not line up with listener host ${host.listener}`);
    }
    if (cert.secretNames.length === 0) problems.push(`${at}: HTTPS port ${l.port} listener ${cert.listener} has no certificate`);
    problems.push(...tlsOptionsProblems(cert.options).map((p) => `${at}: HTTPS port ${l.port} listener ${cert.listener}: ${p}`));
    for (const name of cert.secretNames) {
      if (!Object.hasOwn(c.secrets ?? {}, name)) problems.push(`${at}: HTTPS port ${l.port} listener ${cert.listener} refers to missing secret ${name}`);
    }
  });
  return problems;
}

/** Every cluster a route names (mirror, external auth, forward backends): what it needs from the config's backends. */
export function clustersOf(r: HttpRoute): string[] {
  const out: string[] = [];
  for (const f of r.filters) {
    if (f.type === 'RequestMirror') out.push(f.cluster);
    if (f.type === 'ExternalAuth' && f.cluster !== null) out.push(f.cluster);
  }
  if (r.action.type === 'Forward') for (const b of r.action.backends) if (b.cluster !== null) out.push(b.cluster);
  return out;
}

function checkRoute(r: HttpRoute, c: ProxyConfig, at: string): string[] {
  const problems = [...checkMatch(r.match), ...r.filters.flatMap(checkFilter)].map((p) => `${at} route ${r.name}: ${p}`);
  for (const f of r.filters) {
    if (f.type === 'RequestMirror' && !Object.hasOwn(c.backends, f.cluster)) problems.push(`${at} route ${r.name}: mirror cluster ${f.cluster} is referenced but missing`);
    if (f.type === 'ExternalAuth' && f.cluster !== null && !Object.hasOwn(c.backends, f.cluster)) problems.push(`${at} route ${r.name}: external auth cluster ${f.cluster} is referenced but missing`);
  }
  for (const [cluster, b] of Object.entries(r.retry?.budgets ?? {})) {
    const ok = b.percent >= 0 && b.percent <= 100 && Number.isInteger(b.minRetryCount) && b.minRetryCount >= 0 && b.intervalMs > 0 && b.minRetryIntervalMs > 0;
    if (!ok) problems.push(`${at} route ${r.name}: retry budget for ${cluster} needs percent 0-100, a non-negative minRetryCount and positive intervals`);
  }
  const sp = r.sessionPersistence;
  if (sp) {
    const p = sp.type === 'Cookie' ? (TOKEN.test(sp.name) ? undefined : 'is not a cookie name (an HTTP token)') : headerNameProblem(sp.name);
    if (p) problems.push(`${at} route ${r.name}: session persistence name ${JSON.stringify(sp.name)} ${p}`);
    if (sp.lifetime === 'Permanent' && sp.absoluteTimeoutSeconds === undefined) problems.push(`${at} route ${r.name}: a Permanent session cookie needs absoluteTimeoutSeconds`);
  }
  for (const [what, ms] of [['request', r.timeouts?.requestMs], ['backendRequest', r.timeouts?.backendRequestMs], ['retry backoff', r.retry?.backoffMs]] as const) {
    if (ms !== undefined && !(Number.isInteger(ms) && ms >= 0)) problems.push(`${at} route ${r.name}: ${what} duration ${ms} ms is not a non-negative integer`);
  }
  if (r.retry && !(Number.isInteger(r.retry.attempts) && r.retry.attempts >= 0)) problems.push(`${at} route ${r.name}: retry attempts ${r.retry.attempts} is not a non-negative integer`);
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
      for (const f of b.filters ?? []) problems.push(...checkFilter(f).map((p) => `${at} route ${r.name}: backend ${b.cluster} ${p}`));
      if (b.redirect) problems.push(...checkPath(b.redirect.path).map((p) => `${at} route ${r.name}: backend ${b.cluster} redirect ${p}`));
    }
  }
  return problems;
}

function checkFilter(f: HttpFilter): string[] {
  if (f.type === 'URLRewrite') {
    const hp = f.hostname === undefined ? undefined : hostnameProblem(f.hostname);
    return [...(hp ? [`URLRewrite ${hp}`] : []), ...checkPath(f.path).map((p) => `URLRewrite ${p}`)];
  }
  if (f.type === 'RequestMirror') {
    const fr = f.fraction;
    const bad = fr !== undefined && !(Number.isInteger(fr.numerator) && Number.isInteger(fr.denominator) && fr.numerator >= 0 && fr.denominator > 0 && fr.numerator <= fr.denominator);
    return bad ? [`RequestMirror fraction ${fr!.numerator}/${fr!.denominator} is not between 0 and 1`] : [];
  }
  if (f.type === 'CORS') {
    const { allowMethods, allowHeaders, exposeHeaders, maxAgeSeconds } = f.cors;
    const out = [...allowMethods, ...allowHeaders, ...exposeHeaders].filter((v) => v !== '*' && !TOKEN.test(v)).map((v) => `CORS value ${JSON.stringify(v)} is not an HTTP token`);
    if (!(Number.isInteger(maxAgeSeconds) && maxAgeSeconds >= 0)) out.push(`CORS maxAgeSeconds ${maxAgeSeconds} is not a non-negative integer`);
    return out;
  }
  if (f.type === 'ExternalAuth') {
    const names = [...f.allowedRequestHeaders, ...f.allowedResponseHeaders].filter((n) => headerNameProblem(n, false) !== undefined);
    const path = f.pathPrefix === undefined ? [] : checkPath({ type: 'ReplaceFullPath', value: f.pathPrefix });
    return [...names.map((n) => `ExternalAuth header name ${JSON.stringify(n)} is not valid`), ...path.map((p) => `ExternalAuth path ${p}`)];
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

function backendTlsProblems(tls: BackendTls): string[] {
  if (tls.invalid !== undefined) return [];
  const problems: string[] = [];
  if (tls.serverName === '') problems.push('serverName is empty; a BackendTLSPolicy always names validation.hostname');
  if (tls.caCertificates !== undefined && parseCertificateChain(tls.caCertificates).length === 0) problems.push('caCertificates holds no PEM certificate');
  if (tls.clientCertificate) {
    const p = tlsSecretProblem(tls.clientCertificate.certificate, tls.clientCertificate.privateKey);
    if (p) problems.push(`clientCertificate: ${p}`);
  }
  return problems;
}
