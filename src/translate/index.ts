// The pure translator: ResourceSnapshot → IR per Gateway + status of every object read.
// No I/O, clock or randomness: the same snapshot, in any order, gives identical output.
import type * as gw from '../api/gateway.ts';
import type { GRPCRoute } from '../api/grpcroute.ts';
import type { L4Route } from '../api/l4routes.ts';
import { compareObjects, type ResourceSnapshot } from '../api/snapshot.ts';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import type { ObjectStatus } from '../status/types.ts';
import { NAMESPACE_NAME_LABEL } from './attach.ts';
import { BackendResolver } from './backends.ts';
import { CertificateResolver } from './certificates.ts';
import { analyzeGateway, type GatewayInfo } from './gateway.ts';
import { classStatus, ourClasses } from './gatewayclass.ts';
import { compileGrpcRoute } from './grpcroute.ts';
import { compileHttpRoute } from './httproute.ts';
import { compileL4Route } from './l4routes.ts';
import { buildProxy } from './proxy.ts';
import { attachRoutes, listenerId } from './routes.ts';
import type { TranslateResult } from './result.ts';

export { CONTROLLER_NAME } from '../api/gateway.ts';

export function translate(snapshot: ResourceSnapshot): TranslateResult {
  const sorted = <T extends gw.Gateway | gw.HTTPRoute | GRPCRoute | gw.GatewayClass | L4Route>(xs: readonly T[]) => [...xs].sort(compareObjects);
  const classes = ourClasses(sorted(snapshot.gatewayClasses));
  const classNames = new Set(classes.map((k) => k.metadata.name));
  const gateways = new Map<string, GatewayInfo>();
  const certificates = new CertificateResolver(snapshot);
  const configMaps = new Set(snapshot.configMaps.map((m) => `${m.metadata.namespace ?? 'default'}/${m.metadata.name}`));
  const configMapExists = (ns: string, name: string) => configMaps.has(`${ns}/${name}`);
  for (const g of sorted(snapshot.gateways)) {
    if (!classNames.has(g.spec?.gatewayClassName)) continue;
    const info = analyzeGateway(g, certificates, configMapExists);
    gateways.set(info.key, info);
  }
  const labels = new Map<string, Record<string, string>>();
  for (const ns of snapshot.namespaces) labels.set(ns.metadata.name, ns.metadata.labels ?? {});
  const namespaceLabels = (ns: string) => ({ ...(labels.get(ns) ?? {}), [NAMESPACE_NAME_LABEL]: ns });

  const resolver = new BackendResolver(snapshot);
  const compiled = [
    ...sorted(snapshot.httpRoutes).map((r) => compileHttpRoute(r, resolver)),
    ...sorted(snapshot.grpcRoutes ?? []).map((r) => compileGrpcRoute(r, resolver)),
  ];
  const { attached, status: routeStatus } = attachRoutes(compiled, gateways, namespaceLabels);
  const l4Routes: L4Route[] = [...(snapshot.tlsRoutes ?? []), ...(snapshot.tcpRoutes ?? []), ...(snapshot.udpRoutes ?? [])];
  const l4 = attachRoutes(sorted(l4Routes).map((r) => compileL4Route(r, resolver)), gateways, namespaceLabels);
  routeStatus.push(...l4.status);

  const proxies = new Map<GatewayKey, ProxyConfig>();
  const status: ObjectStatus[] = [...classes.map(classStatus), ...routeStatus];
  for (const g of gateways.values()) {
    if (g.accepted) proxies.set(g.key, buildProxy(g, attached, l4.attached));
    status.push({
      apiVersion: g.gateway.apiVersion, kind: 'Gateway', namespace: g.namespace, name: g.gateway.metadata.name, generation: g.generation,
      status: {
        ...(g.addresses.length > 0 ? { addresses: g.addresses.map((value) => ({ type: 'IPAddress', value })) } : {}),
        conditions: g.conditions,
        listeners: g.listeners.map((l) => ({
          name: l.spec.name,
          supportedKinds: l.supportedKinds,
          attachedRoutes: (attached.get(listenerId(g.key, l.spec.name))?.size ?? 0) + (l4.attached.get(listenerId(g.key, l.spec.name))?.size ?? 0),
          conditions: l.conditions,
        })),
      },
    });
  }
  status.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name));
  return { proxies, status };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
