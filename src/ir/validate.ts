// Checks a ProxyConfig for internal consistency before a data plane accepts it. Returns problems, empty when sound.
import type { HttpMatch, HttpRoute, ProxyConfig } from './types.ts';

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
    if (!Number.isInteger(l.port) || l.port < 1 || l.port > 65535) problems.push(`${at}: listener port ${l.port} is out of range`);
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
  const problems = checkMatch(r.match).map((p) => `${at} route ${r.name}: ${p}`);
  if (r.action.type === 'Forward') {
    for (const b of r.action.backends) {
      if (b.cluster !== null && !Object.hasOwn(c.backends, b.cluster)) problems.push(`${at} route ${r.name}: cluster ${b.cluster} is referenced but missing`);
      if (!(b.weight >= 0)) problems.push(`${at} route ${r.name}: negative weight ${b.weight}`);
    }
  }
  return problems;
}

function checkMatch(m: HttpMatch): string[] {
  const problems: string[] = [];
  const regex = (value: string, what: string) => {
    try { new RegExp(value); } catch { problems.push(`${what} has bad regex ${JSON.stringify(value)}`); }
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
