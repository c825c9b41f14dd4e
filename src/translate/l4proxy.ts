// One Gateway's layer-4 listeners in the IR: TLS passthrough ports (SNI → route), TCP and UDP ports (one route each).
import type * as ir from '../ir/types.ts';
import type { GatewayInfo } from './gateway.ts';
import { compareHostnames } from './hostnames.ts';
import { compareAge, type CompiledL4Route } from './l4routes.ts';
import { listenerId, type AttachedIndex } from './routes.ts';

export const L4_PROTOCOLS: ReadonlySet<string> = new Set(['TLS', 'TCP', 'UDP']);

/** Adds the clusters the chosen routes use to `backends`. */
export function buildL4Listeners(
  g: GatewayInfo, attached: AttachedIndex<CompiledL4Route>, backends: Map<string, ir.BackendCluster>,
): ir.Listener[] {
  const out: ir.Listener[] = [];
  const tlsPorts = new Map<number, ir.TlsListenerHost[]>();
  for (const l of g.listeners) {
    if (!l.valid || !L4_PROTOCOLS.has(l.spec.protocol)) continue;
    const entries = [...(attached.get(listenerId(g.key, l.spec.name))?.values() ?? [])].sort((a, b) => compareAge(a.route, b.route));
    const use = (r: CompiledL4Route) => {
      for (const cl of r.clusters) backends.set(cl.name, cl);
      return r.backends;
    };
    if (l.spec.protocol === 'TLS') {
      // Several TLSRoutes may claim one hostname: all are accepted, the oldest gets the traffic.
      const routes = new Map<string, ir.SniRoute>();
      for (const { route, hostnames } of entries) {
        for (const hostname of hostnames) {
          if (!routes.has(hostname)) routes.set(hostname, { hostname, route: route.name, backends: use(route) });
        }
      }
      const host: ir.TlsListenerHost = {
        listener: l.spec.name, hostname: l.hostname,
        routes: [...routes.values()].sort((a, b) => compareHostnames(a.hostname, b.hostname)),
      };
      tlsPorts.set(l.spec.port, [...(tlsPorts.get(l.spec.port) ?? []), host]);
      continue;
    }
    // TCP and UDP listeners cannot tell routes apart: the oldest attached route carries every connection.
    const winner = entries[0]?.route;
    const route = winner ? { route: winner.name, backends: use(winner) } : null;
    out.push({ protocol: l.spec.protocol as 'TCP' | 'UDP', port: l.spec.port, listener: l.spec.name, route });
  }
  for (const [port, hosts] of tlsPorts) {
    hosts.sort((a, b) => compareHostnames(a.hostname, b.hostname) || (a.listener < b.listener ? -1 : 1));
    out.push({ protocol: 'TLS', port, hosts });
  }
  return out;
}
