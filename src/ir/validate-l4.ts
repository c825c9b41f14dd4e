// Consistency checks for the layer-4 listeners (TLS passthrough or terminate, TCP, UDP) of a ProxyConfig.
import { tlsOptionsProblems } from './tls-defaults.ts';
import type { L4Backend, ProxyConfig, TcpListener, TlsListener, UdpListener } from './types.ts';

/** SNI patterns as translation writes them: lower-case exact names, `*.suffix`, or `*`. */
const SNI_PATTERN = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

export function checkL4Listener(l: TlsListener | TcpListener | UdpListener, c: ProxyConfig, at: string): string[] {
  const where = `${at} ${l.protocol} port ${l.port}`;
  if (l.protocol !== 'TLS') return l.route === null ? [] : checkBackends(l.route.backends, c, `${where} route ${l.route.route}`);
  const problems: string[] = [];
  const hosts = new Set<string>();
  for (const h of l.hosts) {
    const key = h.hostname ?? '';
    if (hosts.has(key)) problems.push(`${where}: two listener hosts for ${h.hostname ?? 'any host'}`);
    hosts.add(key);
    if (h.terminate) {
      if (h.terminate.secretNames.length === 0) problems.push(`${where} listener ${h.listener}: Terminate mode without a certificate`);
      for (const name of h.terminate.secretNames) {
        if (!Object.hasOwn(c.secrets ?? {}, name)) problems.push(`${where} listener ${h.listener}: refers to missing secret ${name}`);
      }
      problems.push(...tlsOptionsProblems(h.terminate.options).map((p) => `${where} listener ${h.listener}: ${p}`));
    }
    const names = new Set<string>();
    for (const r of h.routes) {
      if (!SNI_PATTERN.test(r.hostname)) problems.push(`${where} listener ${h.listener}: SNI hostname ${JSON.stringify(r.hostname)} is not a lower-case hostname, *.suffix or *`);
      if (names.has(r.hostname)) problems.push(`${where} listener ${h.listener}: two routes for SNI ${r.hostname}`);
      names.add(r.hostname);
      problems.push(...checkBackends(r.backends, c, `${where} route ${r.route}`));
    }
  }
  return problems;
}

function checkBackends(backends: readonly L4Backend[], c: ProxyConfig, where: string): string[] {
  const problems: string[] = [];
  for (const b of backends) {
    if (b.cluster !== null && !Object.hasOwn(c.backends, b.cluster)) problems.push(`${where}: cluster ${b.cluster} is referenced but missing`);
    if (!(Number.isInteger(b.weight) && b.weight >= 0)) problems.push(`${where}: weight ${b.weight} is not a non-negative integer`);
  }
  return problems;
}
