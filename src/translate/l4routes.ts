// TLSRoute, TCPRoute and UDPRoute → weighted backends, the clusters they use, and what is wrong with their references.
// Listener-independent like compileHttpRoute: attachment (routes.ts) decides where they go, l4proxy.ts builds the IR.
import type { L4Route } from '../api/l4routes.ts';
import type * as ir from '../ir/types.ts';
import type { BackendResolver } from './backends.ts';
import type { AttachableRoute } from './routes.ts';

export type CompiledL4Route = AttachableRoute & {
  route: L4Route;
  /** `tlsroute/<ns>/<name>` (kind lower-cased): the name the data plane logs. */
  name: string;
  backends: ir.L4Backend[];
  clusters: ir.BackendCluster[];
};

/**
 * Every rule's backendRefs form one weighted set (TCPRoute and UDPRoute allow one rule; TLSRoute rules have no
 * matches, so more than one would mean the same). An unresolved reference keeps its share: connections it draws
 * are closed, as an HTTPRoute's answer 500.
 */
export function compileL4Route(route: L4Route, resolver: BackendResolver): CompiledL4Route {
  const namespace = route.metadata.namespace ?? 'default';
  const out: CompiledL4Route = {
    route, namespace, name: `${route.kind.toLowerCase()}/${namespace}/${route.metadata.name}`,
    backends: [], clusters: [], unsupported: [], validRules: 1, refProblems: [],
  };
  for (const [i, rule] of (route.spec.rules ?? []).entries()) {
    for (const [k, ref] of (rule.backendRefs ?? []).entries()) {
      const where = `spec.rules[${i}].backendRefs[${k}]`;
      const r = resolver.resolve(ref, namespace, route.kind);
      const cluster = r.cluster ? plain(r.cluster) : null;
      if (r.problem) out.refProblems.push({ reason: r.problem.reason, message: `${where}: ${r.problem.message}` });
      else if (cluster && !out.clusters.some((c) => c.name === cluster.name)) out.clusters.push(cluster);
      const weight = ref.weight ?? 1;
      if (weight > 0) out.backends.push({ cluster: cluster?.name ?? null, weight });
    }
  }
  return out;
}

/** Oldest first (creationTimestamp, then namespace/name): the spec's tie-break when routes compete for a listener. */
export function compareAge(a: CompiledL4Route, b: CompiledL4Route): number {
  // As for HTTPRoutes (test/golden/translate/README.md): a route without creationTimestamp sorts after those with one.
  const ta = a.route.metadata.creationTimestamp ?? '~', tb = b.route.metadata.creationTimestamp ?? '~';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.namespace}/${a.route.metadata.name}`, kb = `${b.namespace}/${b.route.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * BackendTLSPolicy is TLS from the gateway's HTTP client to a backend; an L4 route carries the client's own bytes (TLS
 * passed through, or plain after termination). Its cluster goes without `tls`, under its own name so an HTTPRoute to
 * the same Service port keeps the TLS one, and the policy's ancestors count only Gateways that use TLS to it.
 */
function plain(cluster: ir.BackendCluster): ir.BackendCluster {
  if (!cluster.tls) return cluster;
  const { tls: _tls, ...rest } = cluster;
  return { ...rest, name: `${cluster.name}/l4` };
}
