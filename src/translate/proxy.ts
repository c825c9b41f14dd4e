// Assembles one Gateway's ProxyConfig: ports, listener hosts (isolation), virtual hosts and ordered routes.
import type * as ir from '../ir/types.ts';
import type { GatewayInfo } from './gateway.ts';
import { compareHostnames, covers } from './hostnames.ts';
import { buildL4Listeners, L4_PROTOCOLS } from './l4proxy.ts';
import type { CompiledL4Route } from './l4routes.ts';
import { comparePrecedence, type Ranked } from './precedence.ts';
import { rankedOf, type RankedLists } from './ranked-lists.ts';
import { listenerId, type AttachedIndex } from './routes.ts';

type PortHost = { host: ir.ListenerHost; secrets: string[] };

/** `lists`: a Translator's precedence orders from earlier translations (ranked-lists.ts); without it, each is sorted. */
export function buildProxy(g: GatewayInfo, attached: AttachedIndex, l4: AttachedIndex<CompiledL4Route> = new Map(), lists?: RankedLists): ir.ProxyConfig {
  const backends = new Map<string, ir.BackendCluster>();
  const secrets = new Map<string, ir.TlsSecret>();
  // Valid listeners sharing a port share a protocol too: a mix is a ProtocolConflict, which invalidates them.
  const byPort = new Map<number, { protocol: string; hosts: PortHost[] }>();
  for (const l of g.listeners) {
    if (!l.valid || L4_PROTOCOLS.has(l.spec.protocol)) continue;
    const id = listenerId(g.key, l.spec.name);
    const routes = [...(attached.get(id)?.values() ?? [])];
    // Same-named clusters are equal within a translation; the first (oldest route's) stays the same object while that route
    // does, so the data plane can tell the cluster did not change.
    for (const { route } of routes) for (const cl of route.clusters) if (!backends.has(cl.name)) backends.set(cl.name, cl);
    for (const s of l.secrets) secrets.set(s.name, s.secret);
    const ranked = lists ? lists.sorted(id, routes) : routes.flatMap(({ route, hostnames }) => rankedOf(route, hostnames)).sort(comparePrecedence);
    const host: ir.ListenerHost = { listener: l.spec.name, hostname: l.hostname, virtualHosts: virtualHosts(ranked) };
    const entry = byPort.get(l.spec.port) ?? { protocol: l.spec.protocol, hosts: [] };
    entry.hosts.push({ host, secrets: l.secrets.map((s) => s.name) });
    byPort.set(l.spec.port, entry);
  }
  const listeners: ir.Listener[] = [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, { protocol, hosts }]) => {
      hosts.sort((a, b) => compareHostnames(a.host.hostname, b.host.hostname) || (a.host.listener < b.host.listener ? -1 : 1));
      if (protocol !== 'HTTPS') return { protocol: 'HTTP', port, hosts: hosts.map((h) => h.host) };
      const certificates = hosts.map(({ host, secrets: names }) => ({ listener: host.listener, hostname: host.hostname, secretNames: names }));
      return { protocol: 'HTTPS', port, hosts: hosts.map((h) => h.host), certificates } satisfies ir.Listener;
    });
  listeners.push(...buildL4Listeners(g, l4, backends));
  // UDP may share a port number with a TCP-based listener; it comes after it.
  listeners.sort((a, b) => a.port - b.port || (a.protocol === 'UDP' ? 1 : 0) - (b.protocol === 'UDP' ? 1 : 0));
  const sortedBackends: Record<string, ir.BackendCluster> = {};
  for (const name of [...backends.keys()].sort()) sortedBackends[name] = backends.get(name)!;
  const config: ir.ProxyConfig = { gateway: g.key, version: '', addresses: [...g.addresses], listeners, backends: sortedBackends };
  if (secrets.size > 0) config.secrets = Object.fromEntries([...secrets.keys()].sort().map((name) => [name, secrets.get(name)!]));
  return config;
}

/**
 * Each distinct route hostname gets a virtual host holding its routes and those of every hostname covering it.
 * `ranked` is in precedence order already: filtering keeps that order (the same as sorting each host's share).
 */
function virtualHosts(ranked: readonly Ranked[]): ir.VirtualHost[] {
  const names = [...new Set(ranked.map((r) => r.hostname))].sort(compareHostnames);
  return names.map((hostname) => {
    const seen = new Set<string>();
    const routes: ir.HttpRoute[] = [];
    for (const r of ranked) {
      if (!covers(r.hostname, hostname) || seen.has(r.route.name)) continue;
      seen.add(r.route.name);
      routes.push(r.route);
    }
    return { hostname, routes };
  });
}
