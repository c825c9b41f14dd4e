// The objects `--infrastructure kubernetes` keeps per Gateway: a ServiceAccount, a Deployment of proxies and a
// Service in front of them. Pure: Gateway + ProxyConfig + parameters in, manifests out, so they are unit-tested
// without a cluster and applied as they are (server-side apply) by kubernetes.ts.
import { createHash } from 'node:crypto';
import type { Gateway } from '../api/gateway.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ProxyConfig } from '../ir/types.ts';
import type { ProxyParams } from './proxy-params.ts';

export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'portico';
const COMPONENT_LABEL = 'app.kubernetes.io/name';
const COMPONENT = 'portico-proxy';
/** The proxy's admin API (readiness, metrics); the controller's listens on the same port. */
export const PROXY_ADMIN_PORT = 9901;
/** Audience of the projected token the proxy presents on the config stream, so the token is good for nothing else. */
export const PROXY_TOKEN_AUDIENCE = 'portico-proxy';

export type ProxyImage = {
  image: string;
  /** HOST:PORT of the controller's config stream, passed to `portico proxy --controller`. */
  controllerAddress: string;
  /** PEM of the CA that signed the config server's certificate; each Gateway gets it in a ConfigMap its pods mount. */
  caBundle?: string;
};

export type ProxyObjects = { serviceAccount: KubeObject; deployment: KubeObject; service: KubeObject; caConfigMap?: KubeObject };

/** Lifetime of the projected token: the shortest the API server allows; the kubelet renews it at 80%. */
export const PROXY_TOKEN_SECONDS = 600;
/** Where the proxy container finds its token and the controller's CA (one projected volume). */
export const PROXY_SECRETS_DIR = '/var/run/secrets/portico';

/**
 * The name shared by the three objects: `<gateway>-portico`, a DNS-1035 label as Service names must be. Dots become
 * dashes; a name that would be too long is cut and given a hash of the full name, so two Gateways never share one.
 */
export function proxyName(gatewayName: string): string {
  let name = `${gatewayName.replace(/\./g, '-')}-portico`;
  if (!/^[a-z]/.test(name)) name = `gw-${name}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(gatewayName).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** Labels that pick a Gateway's proxy pods; fixed for the Deployment's life, because a selector cannot change. */
export function selectorLabels(gateway: Gateway): Record<string, string> {
  return { [GATEWAY_NAME_LABEL]: gateway.metadata.name, [COMPONENT_LABEL]: COMPONENT };
}

/** Why a Gateway cannot be provisioned whatever its parameters, or null. */
export function unprovisionable(gateway: Gateway, config: ProxyConfig): string | null {
  if (gateway.metadata.name.length > 63) {
    return `its name is ${gateway.metadata.name.length} characters long, but the ${GATEWAY_NAME_LABEL} label value its proxies carry takes at most 63; use a shorter Gateway name`;
  }
  if (!gateway.metadata.uid) return 'it has no metadata.uid (not read from the API server), so its objects cannot be owned by it';
  if (config.listeners.length === 0) return 'it has no valid listener, so its Service would have no port; fix its listeners';
  return null;
}

export function proxyObjects(gateway: Gateway, config: ProxyConfig, params: ProxyParams, image: ProxyImage): ProxyObjects {
  const ns = gateway.metadata.namespace ?? 'default';
  const name = proxyName(gateway.metadata.name);
  const infra = gateway.spec.infrastructure ?? {};
  // Ours last: spec.infrastructure.labels cannot re-point the selector or hide who manages the object.
  const labels = { ...(infra.labels ?? {}), ...selectorLabels(gateway), [MANAGED_BY_LABEL]: MANAGED_BY };
  const annotations = infra.annotations ?? {};
  const metadata = () => ({
    name,
    namespace: ns,
    labels: { ...labels },
    ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    ownerReferences: [{
      apiVersion: gateway.apiVersion, kind: 'Gateway', name: gateway.metadata.name, uid: gateway.metadata.uid!, controller: true,
    }],
  });
  // UDP listeners take UDP ports; a TCP and a UDP listener may share a number, so names carry the protocol.
  const ports = config.listeners.map((l) => ({ protocol: l.protocol === 'UDP' ? 'UDP' : 'TCP', port: l.port, name: `${l.protocol.toLowerCase()}-${l.port}` }));

  const serviceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(), automountServiceAccountToken: false };

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(),
    spec: {
      replicas: params.replicas,
      selector: { matchLabels: selectorLabels(gateway) },
      template: {
        metadata: { labels: { ...labels }, ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}) },
        spec: {
          serviceAccountName: name,
          // The proxy needs no API access; its only credential is the projected token below, for the config stream.
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' },
            // Listeners on ports below 1024 (80, 443) without root.
            sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
          },
          containers: [{
            name: 'proxy',
            image: image.image,
            args: [
              'proxy',
              '--controller', image.controllerAddress,
              '--gateway', `${ns}/${gateway.metadata.name}`,
              '--token-file', `${PROXY_SECRETS_DIR}/token`,
              '--ca-file', `${PROXY_SECRETS_DIR}/ca.crt`,
              `--admin=0.0.0.0:${PROXY_ADMIN_PORT}`,
              // Not ready at once on SIGTERM, still serving while the endpoint is removed, then drain.
              '--drain-delay=5',
            ],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              // bin/portico.js puts these on node's command line (NODE_OPTIONS refuses most V8 flags) in place of
              // its own defaults of the same name.
              ...(params.nodeOptions ? [{ name: 'PORTICO_NODE_OPTIONS', value: params.nodeOptions }] : []),
            ],
            ports: [
              ...ports.map((p) => ({ name: portName(p.port, p.protocol), containerPort: p.port, protocol: p.protocol })),
              { name: 'admin', containerPort: PROXY_ADMIN_PORT, protocol: 'TCP' },
            ],
            readinessProbe: { httpGet: { path: '/readyz', port: 'admin' }, periodSeconds: 5, failureThreshold: 3 },
            livenessProbe: { httpGet: { path: '/healthz', port: 'admin' }, initialDelaySeconds: 10, periodSeconds: 10 },
            ...(params.resources ? { resources: params.resources } : {}),
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'portico', mountPath: PROXY_SECRETS_DIR, readOnly: true }],
          }],
          volumes: [{
            name: 'portico',
            projected: {
              sources: [
                { serviceAccountToken: { audience: PROXY_TOKEN_AUDIENCE, expirationSeconds: PROXY_TOKEN_SECONDS, path: 'token' } },
                { configMap: { name, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              ],
            },
          }],
        },
      },
    },
  };

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(),
    spec: {
      type: params.serviceType,
      selector: selectorLabels(gateway),
      ports: ports.map((p) => ({ ...p, targetPort: p.port })),
      // spec.addresses of type IPAddress: the Service also answers on them (what Envoy Gateway does too); which
      // addresses a cluster routes to its nodes is the cluster's business.
      ...(requestedIps(gateway).length > 0 ? { externalIPs: requestedIps(gateway) } : {}),
    },
  };

  // The CA is public: a ConfigMap, like kube-root-ca.crt. A new CA reaches running pods through the volume.
  const caConfigMap = image.caBundle === undefined ? undefined : { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(), data: { 'ca.crt': image.caBundle } };

  return { serviceAccount, deployment, service, ...(caConfigMap ? { caConfigMap } : {}) } as ProxyObjects;
}

/** Container port names are IANA_SVC_NAMEs: at most 15 characters. */
function portName(port: number, protocol: string): string {
  if (protocol === 'UDP') return `u-${port}`;
  return `l-${port}`;
}

function requestedIps(gateway: Gateway): string[] {
  return (gateway.spec.addresses ?? []).filter((a) => (a.type ?? 'IPAddress') === 'IPAddress' && a.value).map((a) => a.value!);
}

/** The Gateway's addresses from its Service: load-balancer ingress and external IPs when there are any, else the cluster IP. */
export function serviceAddresses(service: unknown): { type: 'IPAddress' | 'Hostname'; value: string }[] {
  const s = service as { spec?: { clusterIP?: string; clusterIPs?: string[]; externalIPs?: string[] }; status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } };
  const ingress = s.status?.loadBalancer?.ingress ?? [];
  const out: { type: 'IPAddress' | 'Hostname'; value: string }[] = [];
  for (const i of ingress) {
    if (i.ip) out.push({ type: 'IPAddress', value: i.ip });
    else if (i.hostname) out.push({ type: 'Hostname', value: i.hostname });
  }
  for (const ip of s.spec?.externalIPs ?? []) if (!out.some((o) => o.value === ip)) out.push({ type: 'IPAddress', value: ip });
  if (out.length > 0) return out;
  const ips = s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : []);
  return ips.filter((ip) => ip && ip !== 'None').map((value) => ({ type: 'IPAddress', value }));
}

/** Whether the Service is a LoadBalancer still waiting for its ingress address (worth looking at again later). */
export function awaitingLoadBalancer(service: unknown): boolean {
  const s = service as { spec?: { type?: string }; status?: { loadBalancer?: { ingress?: unknown[] } } };
  return s.spec?.type === 'LoadBalancer' && (s.status?.loadBalancer?.ingress ?? []).length === 0;
}
