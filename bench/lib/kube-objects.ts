// The objects both Kubernetes-mode benchmarks create through the API server (server-side apply, as
// `kubectl apply --server-side` would, so objects carry managedFields as in real clusters): a GatewayClass, a
// namespace, a Service whose EndpointSlice points at an upstream in the cluster's network namespace, a Gateway
// `bench` with one HTTP listener on port 80, and HTTPRoutes to the Service.
import type { KubeClient } from '../../src/sources/kube-client.ts';

export const GW = 'gateway.networking.k8s.io/v1';

export type BenchPlace = { ns: string; gatewayClass: string; upstream: { host: string; port: number } };

export function applyObject(api: KubeClient, path: string, o: Record<string, unknown>): Promise<unknown> {
  return api.request('PATCH', `${path}?fieldManager=bench&force=true`, o, 'application/apply-patch+yaml');
}

/** An HTTPRoute of Gateway `bench` sending `prefix` to the Service. */
export function benchRoute(ns: string, name: string, prefix: string): Record<string, unknown> {
  return {
    apiVersion: GW, kind: 'HTTPRoute', metadata: { name, namespace: ns },
    spec: { parentRefs: [{ name: 'bench' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: prefix } }], backendRefs: [{ name: 'echo', port: 80 }] }] },
  };
}

/** Everything but the routes; objects already there are left as they are. */
export async function applyBenchBase(api: KubeClient, p: BenchPlace): Promise<void> {
  const { ns, gatewayClass, upstream } = p;
  await applyObject(api, `/apis/${GW}/gatewayclasses/${gatewayClass}`, { apiVersion: GW, kind: 'GatewayClass', metadata: { name: gatewayClass }, spec: { controllerName: 'portico.dev/gateway-controller' } });
  await applyObject(api, `/api/v1/namespaces/${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await applyObject(api, `/api/v1/namespaces/${ns}/services/echo`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: ns }, spec: { ports: [{ name: 'http', port: 80, targetPort: upstream.port }] } });
  await applyObject(api, `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/echo-1`, {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'echo-1', namespace: ns, labels: { 'kubernetes.io/service-name': 'echo' } },
    addressType: 'IPv4', endpoints: [{ addresses: [upstream.host], conditions: { ready: true } }], ports: [{ name: 'http', port: upstream.port }],
  });
  await applyObject(api, `/apis/${GW}/namespaces/${ns}/gateways/bench`, {
    apiVersion: GW, kind: 'Gateway', metadata: { name: 'bench', namespace: ns },
    spec: { gatewayClassName: gatewayClass, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
}
