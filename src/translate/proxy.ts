// Assembles one Gateway's ProxyConfig: ports, listener hosts (isolation), virtual hosts and ordered routes.
import type * as ir from '../ir/types.ts';
import type { GatewayInfo } from './gateway.ts';
import type { ListenerChanges } from './attach-memo.ts';
import { compareHostnames } from './hostnames.ts';
import type { CompiledRoute } from './httproute.ts';
import { buildL4Listeners, L4_PROTOCOLS } from './l4proxy.ts';
import type { CompiledL4Route } from './l4routes.ts';
import { buildListenerHost, type ListenerHosts } from './listener-hosts.ts';
import { listenerId, type AttachedIndex } from './routes.ts';

type PortHost = { host: ir.ListenerHost; secrets: string[] };

/** A Translator's kept listener builds (listener-hosts.ts) and how the attached routes changed since the last call. */
export type ListenerMemo = { hosts: ListenerHosts; changes: ListenerChanges<CompiledRoute> };

/** `memo`: patch the listener builds of earlier translations; without it, each listener is built from scratch. */
export function buildProxy(g: GatewayInfo, attached: AttachedIndex, l4: AttachedIndex<CompiledL4Route> = new Map(), memo?: ListenerMemo): ir.ProxyConfig {
  const backends = new Map<string, ir.BackendCluster>();
  const secrets = new Map<string, ir.TlsSecret>();
  // Valid listeners sharing a port share a protocol too: a mix is a ProtocolConflict, which invalidates them.
  const byPort = new Map<number, { protocol: string; hosts: PortHost[] }>();
  for (const l of g.listeners) {
    if (!l.valid || L4_PROTOCOLS.has(l.spec.protocol)) continue;
    const id = listenerId(g.key, l.spec.name);
    const routes = attached.get(id);
    const built = memo
      ? memo.hosts.build(id, l.spec.name, l.hostname, routes, memo.changes === null ? null : memo.changes.get(id))
      : buildListenerHost(l.spec.name, l.hostname, routes?.values() ?? []);
    // Same-named clusters are equal within a translation: the first one found stays. A kept listener build keeps each
    // cluster the same object while any of its routes uses it, so the data plane can tell the cluster did not change.
    for (const [name, cl] of built.clusters) if (!backends.has(name)) backends.set(name, cl);
    for (const s of l.secrets) secrets.set(s.name, s.secret);
    const entry = byPort.get(l.spec.port) ?? { protocol: l.spec.protocol, hosts: [] };
    entry.hosts.push({ host: built.host, secrets: l.secrets.map((s) => s.name) });
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
