// TLS passthrough and TCP plans: which target a new connection gets. TLS chooses by the ClientHello's SNI: the most
// specific listener host first (listener isolation, as for HTTP), then its most specific route hostname.
import type * as ir from '../ir/types.ts';
import { compileHostTable } from './hosts.ts';
import { compileL4Pick, type L4Pick } from './l4-backends.ts';
import type { StreamPlan } from './tcp-proxy.ts';

type Clusters = Readonly<Record<string, ir.BackendCluster>>;

export function compileTlsPassthrough(listener: ir.TlsListener, clusters: Clusters, allowLoopback: boolean): StreamPlan {
  const hosts = compileHostTable(listener.hosts.map((h) => ({
    hostname: h.hostname,
    value: compileHostTable(h.routes.map((r) => ({ hostname: r.hostname, value: compileL4Pick(r.backends, clusters, allowLoopback) }))),
  })));
  return {
    sni: true,
    choose(serverName) {
      // Without SNI only catch-all entries (no listener hostname, route hostname `*`) can match.
      const name = serverName ?? '';
      const pick: L4Pick | undefined = hosts.lookup(name)?.lookup(name);
      return pick?.();
    },
  };
}

export function compileTcpForward(listener: ir.TcpListener, clusters: Clusters, allowLoopback: boolean): StreamPlan {
  const pick = listener.route === null ? () => undefined : compileL4Pick(listener.route.backends, clusters, allowLoopback);
  return { sni: false, choose: () => pick() };
}
