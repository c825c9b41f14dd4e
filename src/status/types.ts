// Status as data: what translation computed for each object it read, in the shape Kubernetes stores.
import type { GatewayClassStatus, GatewayStatus, RouteStatus } from '../api/gateway.ts';
import type { RouteKind } from '../api/l4routes.ts';
import type { ListenerSetStatus } from '../api/listenerset.ts';
import type { PolicyStatus } from '../api/policies.ts';

export type ObjectStatus =
  | { apiVersion: string; kind: 'GatewayClass'; namespace?: undefined; name: string; generation: number; status: GatewayClassStatus }
  | { apiVersion: string; kind: 'Gateway'; namespace: string; name: string; generation: number; status: GatewayStatus }
  | { apiVersion: string; kind: RouteKind; namespace: string; name: string; generation: number; status: RouteStatus }
  | { apiVersion: string; kind: 'ListenerSet'; namespace: string; name: string; generation: number; status: ListenerSetStatus }
  | { apiVersion: string; kind: PolicyKind; namespace: string; name: string; generation: number; status: PolicyStatus };

export type PolicyKind = 'BackendTLSPolicy' | 'XBackendTrafficPolicy';

/** Every status translation computed, sorted by kind, namespace and name. */
export type StatusSnapshot = ObjectStatus[];
