// TLS passthrough and TCP plans: which target a new connection gets. TLS chooses by the ClientHello's SNI: the most
// specific listener host first (listener isolation, as for HTTP), then its most specific route hostname.
import type * as ir from '../ir/types.ts';
import { compileHostTable } from './hosts.ts';
import { compileL4Pick, type L4Pick } from './l4-backends.ts';
import type { StreamPlan, StreamTarget } from './tcp-proxy.ts';
import { contextOptions, withinLimits, type SecureContexts } from './tls-server.ts';

type Clusters = Readonly<Record<string, ir.BackendCluster>>;
type Secrets = Readonly<Record<string, ir.TlsSecret>>;

/** TLS ports: passthrough listener hosts pipe the encrypted stream, Terminate ones complete the handshake first. */
export function compileTlsPassthrough(
  listener: ir.TlsListener, clusters: Clusters, allowLoopback: boolean, secrets: Secrets = {}, contexts?: SecureContexts,
): StreamPlan {
  const contextIds: string[] = [];
  const hosts = compileHostTable(listener.hosts.map((h) => {
    let terminate: StreamTarget['terminate'];
    if (h.terminate && contexts) {
      const limits = h.terminate.options;
      const { id, options } = contextOptions(h.terminate.secretNames.map((n) => secrets[n]!), limits);
      contextIds.push(id);
      terminate = { context: contexts.get(id, options), accepts: (socket) => withinLimits(socket, limits) };
    }
    const routes = compileHostTable(h.routes.map((r) => ({ hostname: r.hostname, value: compileL4Pick(r.backends, clusters, allowLoopback) })));
    return { hostname: h.hostname, value: { routes, terminate } };
  }));
  return {
    sni: true,
    contextIds,
    choose(serverName) {
      // Without SNI only catch-all entries (no listener hostname, route hostname `*`) can match.
      const name = serverName ?? '';
      const host = hosts.lookup(name);
      const pick: L4Pick | undefined = host?.routes.lookup(name);
      const target = pick?.();
      return target && host?.terminate ? { ...target, terminate: host.terminate } : target;
    },
  };
}

export function compileTcpForward(listener: ir.TcpListener, clusters: Clusters, allowLoopback: boolean): StreamPlan {
  const pick = listener.route === null ? () => undefined : compileL4Pick(listener.route.backends, clusters, allowLoopback);
  return { sni: false, choose: () => pick() };
}
