// GRPCRoute (gateway.networking.k8s.io/v1): upstream names, only the fields Portico reads.
import type { BackendObjectReference, HTTPHeaderMatch, HTTPRouteFilter, ParentReference, RouteStatus } from './gateway.ts';
import type { KubeObject } from './meta.ts';

export type GRPCMethodMatch = { type?: 'Exact' | 'RegularExpression'; service?: string; method?: string };

export type GRPCRouteMatch = { method?: GRPCMethodMatch; headers?: HTTPHeaderMatch[] };

export type GRPCBackendRef = BackendObjectReference & { weight?: number; filters?: HTTPRouteFilter[] };

export type GRPCRouteRule = {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: GRPCBackendRef[];
};

export type GRPCRoute = KubeObject & {
  kind: 'GRPCRoute';
  spec: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: GRPCRouteRule[] };
  status?: RouteStatus;
};
