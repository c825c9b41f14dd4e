// Generated Gateway API manifests for the benchmarks: one Gateway on loopback, Services whose EndpointSlices point
// at local upstreams, and as many HTTPRoutes as a test asks for. Plain YAML, so the same text feeds
// `portico run -f` and, parsed, `translate()`.

export const GATEWAY_NAME = 'bench';

export function gatewayYaml(port: number): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: portico
spec:
  controllerName: portico.dev/gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${GATEWAY_NAME}
  namespace: default
spec:
  gatewayClassName: portico
  addresses:
    - type: IPAddress
      value: 127.0.0.1
  listeners:
    - name: http
      protocol: HTTP
      port: ${port}
`;
}

export function serviceYaml(name: string, upstreamPort: number): string {
  return `---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
spec:
  ports:
    - name: http
      port: 80
      targetPort: ${upstreamPort}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${name}
  namespace: default
  labels:
    kubernetes.io/service-name: ${name}
addressType: IPv4
endpoints:
  - addresses: ["127.0.0.1"]
    conditions: {ready: true}
ports:
  - name: http
    port: ${upstreamPort}
`;
}

export type WeightedRef = { service: string; weight: number };

/** An HTTPRoute sending PathPrefix `path` to the given Services. */
export function routeYaml(name: string, path: string, backends: readonly WeightedRef[]): string {
  const refs = backends.map((b) => `        - name: ${b.service}\n          port: 80\n          weight: ${b.weight}\n`).join('');
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: default
spec:
  parentRefs:
    - name: ${GATEWAY_NAME}
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: ${path}
      backendRefs:
${refs}`;
}

/** The path the i-th generated route serves; requests go to `${routePath(i)}/x`. */
export function routePath(i: number): string {
  return `/svc/${i}`;
}

/** `count` routes r0..r{count-1}, each to one of `services` in turn. */
export function routesYaml(count: number, services: readonly string[], prefix = 'r'): string {
  let out = '';
  for (let i = 0; i < count; i++) out += routeYaml(`${prefix}${i}`, routePath(i), [{ service: services[i % services.length], weight: 1 }]);
  return out;
}
