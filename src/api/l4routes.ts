// Layer-4 route kinds (gateway.networking.k8s.io/v1 since Gateway API v1.5/v1.6): TLSRoute (SNI), TCPRoute, UDPRoute.
// Upstream names, only the fields Portico reads.
import type { BackendObjectReference, ParentReference, RouteStatus } from './gateway.ts';
import type { KubeObject } from './meta.ts';

export type L4BackendRef = BackendObjectReference & { weight?: number };

export type L4RouteRule = { name?: string; backendRefs?: L4BackendRef[] };

export type TLSRoute = KubeObject & {
  kind: 'TLSRoute';
  spec: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: L4RouteRule[] };
  status?: RouteStatus;
};

export type TCPRoute = KubeObject & {
  kind: 'TCPRoute';
  spec: { parentRefs?: ParentReference[]; rules?: L4RouteRule[] };
  status?: RouteStatus;
};

export type UDPRoute = KubeObject & {
  kind: 'UDPRoute';
  spec: { parentRefs?: ParentReference[]; rules?: L4RouteRule[] };
  status?: RouteStatus;
};

export type L4Route = TLSRoute | TCPRoute | UDPRoute;

/** Every route kind Portico reads; status.parents of each is shared with other controllers. */
export const ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

export function isRouteKind(kind: string): kind is RouteKind {
  return (ROUTE_KINDS as readonly string[]).includes(kind);
}
