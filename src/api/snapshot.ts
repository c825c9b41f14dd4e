// One immutable view of every object the translator reads. Sources build it; translate() only reads it.
import type { ConfigMap, EndpointSlice, Namespace, Secret, Service } from './core.ts';
import type { Gateway, GatewayClass, HTTPRoute, ReferenceGrant } from './gateway.ts';
import type { GRPCRoute } from './grpcroute.ts';
import type { TCPRoute, TLSRoute, UDPRoute } from './l4routes.ts';
import type { ListenerSet } from './listenerset.ts';
import type { BackendTLSPolicy, XBackendTrafficPolicy } from './policies.ts';
import type { KubeObject, Origin } from './meta.ts';

export type ResourceSnapshot = {
  readonly gatewayClasses: readonly GatewayClass[];
  readonly gateways: readonly Gateway[];
  readonly httpRoutes: readonly HTTPRoute[];
  readonly grpcRoutes?: readonly GRPCRoute[];
  readonly tlsRoutes: readonly TLSRoute[];
  readonly tcpRoutes: readonly TCPRoute[];
  readonly udpRoutes: readonly UDPRoute[];
  readonly referenceGrants: readonly ReferenceGrant[];
  readonly listenerSets?: readonly ListenerSet[];
  readonly backendTLSPolicies?: readonly BackendTLSPolicy[];
  readonly backendTrafficPolicies?: readonly XBackendTrafficPolicy[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly secrets: readonly Secret[];
  readonly configMaps: readonly ConfigMap[];
  readonly namespaces: readonly Namespace[];
  /** Where each object came from (`kind/namespace/name` → origin), for messages that point at a file and line. */
  readonly origins?: ReadonlyMap<string, Origin>;
};

/** Maps a kind to the snapshot field that holds it; kinds not listed here are not read. */
export const SNAPSHOT_FIELDS = {
  GatewayClass: 'gatewayClasses',
  Gateway: 'gateways',
  HTTPRoute: 'httpRoutes',
  GRPCRoute: 'grpcRoutes',
  TLSRoute: 'tlsRoutes',
  TCPRoute: 'tcpRoutes',
  UDPRoute: 'udpRoutes',
  ReferenceGrant: 'referenceGrants',
  ListenerSet: 'listenerSets',
  BackendTLSPolicy: 'backendTLSPolicies',
  XBackendTrafficPolicy: 'backendTrafficPolicies',
  Service: 'services',
  EndpointSlice: 'endpointSlices',
  Secret: 'secrets',
  ConfigMap: 'configMaps',
  Namespace: 'namespaces',
} as const satisfies Record<string, keyof ResourceSnapshot>;

export type SnapshotKind = keyof typeof SNAPSHOT_FIELDS;

export function emptySnapshot(): ResourceSnapshot {
  return {
    gatewayClasses: [], gateways: [], httpRoutes: [], grpcRoutes: [], tlsRoutes: [], tcpRoutes: [], udpRoutes: [], referenceGrants: [],
    listenerSets: [], backendTLSPolicies: [], backendTrafficPolicies: [],
    services: [], endpointSlices: [], secrets: [], configMaps: [], namespaces: [],
  };
}

/** Builds a snapshot from loose objects, sorted by namespace and name so the same set always yields the same snapshot. */
export function snapshotOf(objects: readonly KubeObject[], origins?: ReadonlyMap<string, Origin>): ResourceSnapshot {
  const out: Record<string, KubeObject[]> = {};
  for (const field of Object.values(SNAPSHOT_FIELDS)) out[field] = [];
  for (const o of objects) {
    const field = (SNAPSHOT_FIELDS as Record<string, string>)[o.kind];
    if (field) out[field].push(o);
  }
  for (const list of Object.values(out)) list.sort(compareObjects);
  return { ...(out as unknown as ResourceSnapshot), origins };
}

export function compareObjects(a: KubeObject, b: KubeObject): number {
  const an = a.metadata.namespace ?? '', bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** `Kind/namespace/name`, the key used for origins and status. Cluster-scoped objects have an empty namespace. */
export function objectId(o: KubeObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
