// The pure translator: ResourceSnapshot → IR per Gateway + status of every object read.
// No I/O, clock or randomness: the same snapshot, in any order, gives identical output.
import type * as gw from '../api/gateway.ts';
import type { GRPCRoute } from '../api/grpcroute.ts';
import type { L4Route } from '../api/l4routes.ts';
import { compareObjects, type ResourceSnapshot } from '../api/snapshot.ts';
import type * as ir from '../ir/types.ts';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import type { ObjectStatus } from '../status/types.ts';
import { NAMESPACE_NAME_LABEL } from './attach.ts';
import { ClientCertificates, withClientCertificate } from './backend-client-cert.ts';
import { BackendTlsPolicies } from './backend-tls.ts';
import { BackendResolver } from './backends.ts';
import { CertificateResolver } from './certificates.ts';
import { analyzeGateway, type GatewayInfo } from './gateway.ts';
import { classStatus, ourClasses } from './gatewayclass.ts';
import { compileGrpcRoute } from './grpcroute.ts';
import { compileHttpRoute } from './httproute.ts';
import { compileL4Route } from './l4routes.ts';
import { buildProxyWithTls } from './listener-tls.ts';
import { analyzeListenerSets, attachedListenerSets, listenerSetCertificates, listenerSetStatus, withListenerSets } from './listenersets.ts';
import { attachRoutes, listenerId } from './routes.ts';
import type { TranslateResult } from './result.ts';
import { TranslateCache } from './cache.ts';
import { compareStatus } from './status-order.ts';

export { CONTROLLER_NAME } from '../api/gateway.ts';

/** One translation from scratch: what `portico validate`, the golden tests and one-off callers use. */
export function translate(snapshot: ResourceSnapshot): TranslateResult {
  return translateWith(snapshot, null);
}

/**
 * Translates snapshot after snapshot, reusing the work of objects that did not change (see cache.ts). Each result is
 * exactly what translate() gives for the same snapshot; results share unchanged parts with earlier ones, so callers
 * must treat them as read-only.
 */
export class Translator {
  #cache = new TranslateCache();

  translate(snapshot: ResourceSnapshot): TranslateResult {
    try {
      return translateWith(snapshot, this.#cache);
    } catch (err) {
      // A translation that stopped half way left the cache's parts out of step with each other: start afresh.
      this.#cache = new TranslateCache();
      throw err;
    }
  }
}

function translateWith(snapshot: ResourceSnapshot, cache: TranslateCache | null): TranslateResult {
  const sorted = <T extends gw.Gateway | gw.HTTPRoute | GRPCRoute | gw.GatewayClass | L4Route>(xs: readonly T[]) => [...xs].sort(compareObjects);
  const { classes, gateways, namespaceLabels, listenerSets, listenerSetParents, backendClientCerts } =
    cache ? cache.parentContext(snapshot, () => parentsOf(snapshot)) : parentsOf(snapshot);

  const makeContext = () => {
    const tlsPolicies = new BackendTlsPolicies(snapshot);
    return { tlsPolicies, resolver: new BackendResolver(snapshot, tlsPolicies) };
  };
  const { tlsPolicies, resolver } = cache ? cache.backendContext(snapshot, makeContext) : makeContext();
  const compileHttp = (r: gw.HTTPRoute) => compileHttpRoute(r, resolver);
  const compileGrpc = (r: GRPCRoute) => compileGrpcRoute(r, resolver);
  const compileL4 = (r: L4Route) => compileL4Route(r, resolver);
  const http = cache ? cache.httpList.of(snapshot.httpRoutes, (r) => cache.compiled(r, compileHttp)) : sorted(snapshot.httpRoutes).map(compileHttp);
  const grpc = cache ? cache.grpcList.of(snapshot.grpcRoutes ?? [], (r) => cache.compiled(r, compileGrpc)) : sorted(snapshot.grpcRoutes ?? []).map(compileGrpc);
  const compiled = grpc.length === 0 ? http : http.length === 0 ? grpc : [...http, ...grpc];
  const { attached, status: routeStatus, changes } = cache
    ? cache.httpAttach.attach(compiled, gateways, namespaceLabels, listenerSetParents, cache.plans)
    : { ...attachRoutes(compiled, gateways, namespaceLabels, listenerSetParents), changes: null };
  const memo = cache ? { hosts: cache.listenerHosts, changes } : undefined;
  const l4Compiled = cache
    ? cache.l4List.of(cache.l4Routes(snapshot), (r) => cache.compiled(r, compileL4))
    : sorted([...(snapshot.tlsRoutes ?? []), ...(snapshot.tcpRoutes ?? []), ...(snapshot.udpRoutes ?? [])]).map(compileL4);
  const l4 = cache
    ? cache.l4Attach.attach(l4Compiled, gateways, namespaceLabels, listenerSetParents, cache.plans)
    : attachRoutes(l4Compiled, gateways, namespaceLabels, listenerSetParents);
  routeStatus.push(...l4.status);

  const proxies = new Map<GatewayKey, ProxyConfig>();
  const attachedCount = (id: string) => (attached.get(id)?.size ?? 0) + (l4.attached.get(id)?.size ?? 0);
  // Statuses built from the same inputs as last time are the same objects: later stages pass them through untouched.
  const kept = (key: object, parts: readonly unknown[], make: () => ObjectStatus) => cache ? cache.sameStatus(key, parts, make) : make();
  // The route statuses are a new list each time: the others join it (order among different kinds does not matter).
  const status: ObjectStatus[] = routeStatus;
  for (const k of classes) status.push(kept(k, [], () => classStatus(k)));
  cache?.listenerHosts.begin(cache.epoch);
  for (const g of gateways.values()) {
    if (g.accepted) proxies.set(g.key, withClientCertificate(buildProxyWithTls(withListenerSets(g, listenerSets), attached, l4.attached, memo), backendClientCerts.get(g.key)));
    const attachedSets = attachedListenerSets(g, listenerSets);
    const counts = g.listeners.map((l) => attachedCount(listenerId(g.key, l.spec.name)));
    status.push(kept(g, [attachedSets, ...counts], () => gatewayStatus(g, counts, attachedSets)));
  }
  cache?.listenerHosts.end();
  status.push(...listenerSets.map((s) => listenerSetStatus(s, attachedCount)));
  status.push(...tlsPolicies.status(proxies));
  status.push(...resolver.trafficPolicies.status(proxies));
  return { proxies, status: cache ? cache.statusOrder.sorted(status) : status.sort(compareStatus) };
}

/** `counts`: the routes attached to each listener. */
function gatewayStatus(g: GatewayInfo, counts: readonly number[], attachedSets: number | undefined): ObjectStatus {
  return {
    apiVersion: g.gateway.apiVersion, kind: 'Gateway', namespace: g.namespace, name: g.gateway.metadata.name, generation: g.generation,
    status: {
      ...(g.addresses.length > 0 ? { addresses: g.addresses.map((value) => ({ type: 'IPAddress', value })) } : {}),
      conditions: g.conditions,
      listeners: g.listeners.map((l, i) => ({ name: l.spec.name, supportedKinds: l.supportedKinds, attachedRoutes: counts[i]!, conditions: l.conditions })),
      ...(attachedSets !== undefined ? { attachedListenerSets: attachedSets } : {}),
    },
  };
}

/** The routes' parents and what decides attachment to them: the Gateways of our classes, ListenerSets, namespace labels. */
function parentsOf(snapshot: ResourceSnapshot) {
  const sorted = <T extends gw.Gateway | gw.GatewayClass>(xs: readonly T[]) => [...xs].sort(compareObjects);
  const classes = ourClasses(sorted(snapshot.gatewayClasses));
  const classNames = new Set(classes.map((k) => k.metadata.name));
  const gateways = new Map<string, GatewayInfo>();
  const certificates = new CertificateResolver(snapshot);
  const configMaps = new Set(snapshot.configMaps.map((m) => `${m.metadata.namespace ?? 'default'}/${m.metadata.name}`));
  const configMapExists = (ns: string, name: string) => configMaps.has(`${ns}/${name}`);
  const clientCertificates = new ClientCertificates(snapshot);
  const backendClientCerts = new Map<string, ir.TlsSecret>();
  for (const g of sorted(snapshot.gateways)) {
    if (!classNames.has(g.spec?.gatewayClassName)) continue;
    const info = analyzeGateway(g, certificates, configMapExists);
    const clientCert = clientCertificates.resolve(g);
    if (clientCert) info.conditions.push(clientCert.condition);
    if (clientCert?.secret) backendClientCerts.set(info.key, clientCert.secret);
    gateways.set(info.key, info);
  }
  const labels = new Map<string, Record<string, string>>();
  for (const ns of snapshot.namespaces) labels.set(ns.metadata.name, ns.metadata.labels ?? {});
  const namespaceLabels = (ns: string) => ({ ...(labels.get(ns) ?? {}), [NAMESPACE_NAME_LABEL]: ns });
  const listenerSets = analyzeListenerSets(snapshot.listenerSets ?? [], gateways, listenerSetCertificates(certificates), namespaceLabels, certificates.frontend);
  const listenerSetParents = new Map(listenerSets.map((s) => [`${s.namespace}/${s.listenerSet.metadata.name}`, s.parent]));

  return { classes, gateways, namespaceLabels, listenerSets, listenerSetParents, backendClientCerts };
}
