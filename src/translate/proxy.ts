// Assembles one Gateway's ProxyConfig: ports, listener hosts (isolation), virtual hosts and ordered routes.
import type * as ir from '../ir/types.ts';
import type { GatewayInfo } from './gateway.ts';
import { compareHostnames, covers } from './hostnames.ts';
import { comparePrecedence, type Ranked } from './precedence.ts';
import { listenerId, type AttachedIndex } from './routes.ts';

export function buildProxy(g: GatewayInfo, attached: AttachedIndex): ir.ProxyConfig {
  const backends = new Map<string, ir.BackendCluster>();
  const byPort = new Map<number, ir.ListenerHost[]>();
  for (const l of g.listeners) {
    if (!l.valid) continue;
    const routes = [...(attached.get(listenerId(g.key, l.spec.name))?.values() ?? [])];
    for (const { route } of routes) for (const cl of route.clusters) backends.set(cl.name, cl);
    const ranked: Ranked[] = routes.flatMap(({ route, hostnames }) =>
      hostnames.flatMap((hostname) => route.routes.map((r) => ({ hostname, route: r, created: route.route.metadata.creationTimestamp }))));
    const host: ir.ListenerHost = { listener: l.spec.name, hostname: l.hostname, virtualHosts: virtualHosts(ranked) };
    byPort.set(l.spec.port, [...(byPort.get(l.spec.port) ?? []), host]);
  }
  const listeners: ir.HttpListener[] = [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, hosts]) => ({ protocol: 'HTTP', port, hosts: hosts.sort((a, b) => compareHostnames(a.hostname, b.hostname) || (a.listener < b.listener ? -1 : 1)) }));
  const sortedBackends: Record<string, ir.BackendCluster> = {};
  for (const name of [...backends.keys()].sort()) sortedBackends[name] = backends.get(name)!;
  return { gateway: g.key, version: '', addresses: [...g.addresses], listeners, backends: sortedBackends };
}

/** Each distinct route hostname gets a virtual host holding its routes and those of every hostname covering it. */
function virtualHosts(ranked: Ranked[]): ir.VirtualHost[] {
  const names = [...new Set(ranked.map((r) => r.hostname))].sort(compareHostnames);
  return names.map((hostname) => {
    const seen = new Set<string>();
    const routes = ranked
      .filter((r) => covers(r.hostname, hostname))
      .sort(comparePrecedence)
      .filter((r) => !seen.has(r.route.name) && (seen.add(r.route.name), true))
      .map((r) => r.route);
    return { hostname, routes };
  });
}
