// Backend references → upstream clusters: Service port, ReferenceGrant for other namespaces, ready endpoints.
import type * as core from '../api/core.ts';
import { SERVICE_NAME_LABEL } from '../api/core.ts';
import type * as gw from '../api/gateway.ts';
import { GROUP } from '../api/gateway.ts';
import type { ResourceSnapshot } from '../api/snapshot.ts';
import type * as ir from '../ir/types.ts';
import type { BackendTlsPolicies } from './backend-tls.ts';
import { TrafficPolicies } from './traffic-policy.ts';

export type RefProblem = { reason: 'RefNotPermitted' | 'InvalidKind' | 'BackendNotFound'; message: string };
export type Resolved = { cluster: ir.BackendCluster; problem?: undefined } | { cluster: null; problem: RefProblem };

/** Indexes the snapshot once so each reference resolves without scanning every object. */
export class BackendResolver {
  private readonly services = new Map<string, core.Service>();
  private readonly slices = new Map<string, core.EndpointSlice[]>();
  private readonly grants: readonly gw.ReferenceGrant[];
  private readonly tls: BackendTlsPolicies | undefined;
  /** XBackendTrafficPolicy per Service: retry budgets go on clusters, route rules read session persistence. */
  readonly trafficPolicies: TrafficPolicies;

  /** `tls`: the BackendTLSPolicies that make a Service port's cluster speak TLS. */
  constructor(s: ResourceSnapshot, tls?: BackendTlsPolicies) {
    this.tls = tls;
    this.trafficPolicies = new TrafficPolicies(s.backendTrafficPolicies ?? [], s.services);
    for (const svc of s.services) this.services.set(`${svc.metadata.namespace}/${svc.metadata.name}`, svc);
    for (const es of s.endpointSlices) {
      const svc = es.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc || es.addressType === 'FQDN') continue; // FQDN endpoints need DNS resolution: a later issue.
      const key = `${es.metadata.namespace}/${svc}`;
      this.slices.set(key, [...(this.slices.get(key) ?? []), es]);
    }
    this.grants = s.referenceGrants;
  }

  /** `fromKind`: the referring route's kind, which a ReferenceGrant's `from` must name. */
  resolve(ref: gw.BackendObjectReference, routeNs: string, fromKind = 'HTTPRoute'): Resolved {
    const group = ref.group ?? '';
    const kind = ref.kind ?? 'Service';
    const ns = ref.namespace ?? routeNs;
    const label = `backendRef ${ns}/${ref.name}`;
    if (group !== '' || kind !== 'Service') {
      return fail('InvalidKind', `${label} has kind ${group ? `${group}/` : ''}${kind}; only core Service backends are supported`);
    }
    if (ns !== routeNs && !this.granted(fromKind, routeNs, ns, ref.name)) {
      return fail('RefNotPermitted', `${label} is in another namespace and no ReferenceGrant in namespace ${ns} allows ${fromKind}s from namespace ${routeNs} to Service ${ref.name}; add one`);
    }
    const svc = this.services.get(`${ns}/${ref.name}`);
    if (!svc) return fail('BackendNotFound', `${label}: Service ${ns}/${ref.name} not found; create it or fix the name`);
    if (ref.port === undefined) return fail('BackendNotFound', `${label}: port is required for a Service backend; set backendRefs[].port`);
    const sp = (svc.spec.ports ?? []).find((p) => p.port === ref.port);
    if (!sp) {
      const have = (svc.spec.ports ?? []).map((p) => p.port).join(', ') || 'none';
      return fail('BackendNotFound', `${label}: Service ${ns}/${ref.name} has no port ${ref.port} (ports: ${have}); fix backendRefs[].port`);
    }
    const cluster: ir.BackendCluster = { name: clusterName(ns, ref.name, sp.port), protocol: backendProtocol(sp.appProtocol), endpoints: this.endpoints(ns, ref.name, sp), lb: 'RoundRobin' };
    const tls = this.tls?.forPort(ns, ref.name, sp);
    if (tls) cluster.tls = tls;
    return { cluster };
  }

  private granted(fromKind: string, fromNs: string, toNs: string, name: string): boolean {
    return this.grants.some((g) => g.metadata.namespace === toNs
      && (g.spec.from ?? []).some((f) => f.group === GROUP && f.kind === fromKind && f.namespace === fromNs)
      && (g.spec.to ?? []).some((t) => (t.group ?? '') === '' && t.kind === 'Service' && (!t.name || t.name === name)));
  }

  private endpoints(ns: string, svc: string, sp: core.ServicePort): ir.Endpoint[] {
    const seen = new Map<string, ir.Endpoint>();
    for (const es of this.slices.get(`${ns}/${svc}`) ?? []) {
      let port: number | undefined;
      if (!es.ports || es.ports.length === 0) {
        // A named targetPort is resolved per Pod by the slice's ports; without them the port is unknown, and
        // guessing the Service port would send traffic to the wrong one. Skip the slice: no endpoint answers 503.
        if (typeof sp.targetPort === 'string') continue;
        port = sp.targetPort ?? sp.port;
      } else port = es.ports.find((p) => (p.name ?? '') === (sp.name ?? ''))?.port;
      if (port === undefined) continue;
      for (const e of es.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const address of e.addresses ?? []) seen.set(`${address}|${port}`, { address, port });
      }
    }
    return [...seen.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
  }
}

/** The Service port's appProtocol as the data plane speaks it; unknown values mean HTTP/1.1. */
export function backendProtocol(appProtocol: string | undefined): ir.BackendProtocol {
  if (appProtocol === 'kubernetes.io/h2c') return 'h2c';
  if (appProtocol === 'kubernetes.io/ws') return 'ws';
  return 'http1';
}

export function clusterName(ns: string, name: string, port: number): string {
  return `Service/${ns}/${name}:${port}`;
}

function fail(reason: RefProblem['reason'], message: string): Resolved {
  return { cluster: null, problem: { reason, message } };
}
