// What the Kubernetes source watches, and how an API object becomes a store object.
import type { KubeObject } from '../api/meta.ts';
import type { KubeClient } from './kube-client.ts';

export type Resource = {
  kind: string;
  group: string;
  version: string;
  plural: string;
};

const GW = 'gateway.networking.k8s.io';

/** Every kind the translator reads (see SNAPSHOT_FIELDS), with the API version to watch it at. */
export const RESOURCES: readonly Resource[] = [
  { kind: 'GatewayClass', group: GW, version: 'v1', plural: 'gatewayclasses' },
  { kind: 'Gateway', group: GW, version: 'v1', plural: 'gateways' },
  { kind: 'HTTPRoute', group: GW, version: 'v1', plural: 'httproutes' },
  { kind: 'GRPCRoute', group: GW, version: 'v1', plural: 'grpcroutes' },
  // Served at v1 from Gateway API v1.5 (TLSRoute) and v1.6 (TCPRoute, UDPRoute); a missing CRD is reported, not fatal.
  { kind: 'TLSRoute', group: GW, version: 'v1', plural: 'tlsroutes' },
  { kind: 'TCPRoute', group: GW, version: 'v1', plural: 'tcproutes' },
  { kind: 'UDPRoute', group: GW, version: 'v1', plural: 'udproutes' },
  { kind: 'ReferenceGrant', group: GW, version: 'v1beta1', plural: 'referencegrants' },
  // Experimental channel: absent CRDs are reported and skipped like the L4 routes above.
  { kind: 'ListenerSet', group: GW, version: 'v1', plural: 'listenersets' },
  { kind: 'BackendTLSPolicy', group: GW, version: 'v1', plural: 'backendtlspolicies' },
  { kind: 'XBackendTrafficPolicy', group: 'gateway.networking.x-k8s.io', version: 'v1alpha1', plural: 'xbackendtrafficpolicies' },
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces' },
  { kind: 'Service', group: '', version: 'v1', plural: 'services' },
  { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices' },
  { kind: 'Secret', group: '', version: 'v1', plural: 'secrets' },
  { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps' },
];

export function apiVersionOf(r: Resource): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The cluster-wide collection path, e.g. `/apis/gateway.networking.k8s.io/v1/httproutes`. */
export function collectionPath(r: Resource): string {
  return `${r.group === '' ? '/api' : `/apis/${r.group}`}/${r.version}/${r.plural}`;
}

/**
 * ReferenceGrant is served at v1 from Gateway API v1.5 on and at v1beta1 before (and often both): watch v1 when the
 * API server serves it, else v1beta1. Kinds whose CRD is missing are reported so the caller can say what to install.
 */
export async function discover(client: KubeClient): Promise<{ resources: Resource[]; missing: Resource[] }> {
  const served = new Map<string, Set<string>>();
  const servedIn = async (group: string, version: string): Promise<Set<string>> => {
    const key = `${group}/${version}`;
    let names = served.get(key);
    if (!names) {
      try {
        const list = await client.request<{ resources: { name: string }[] }>('GET', group === '' ? `/api/${version}` : `/apis/${group}/${version}`);
        names = new Set(list.resources.map((x) => x.name));
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        names = new Set();
      }
      served.set(key, names);
    }
    return names;
  };
  const resources: Resource[] = [];
  const missing: Resource[] = [];
  for (const r of RESOURCES) {
    if (r.kind === 'ReferenceGrant' && (await servedIn(GW, 'v1')).has(r.plural)) {
      resources.push({ ...r, version: 'v1' });
      continue;
    }
    if ((await servedIn(r.group, r.version)).has(r.plural)) resources.push(r);
    else missing.push(r);
  }
  return { resources, missing };
}

/**
 * The object as the store keeps it. List items come without kind/apiVersion, so they are set from the resource.
 * Status, resourceVersion and managedFields are dropped: they change on every write (ours included) and the
 * translator reads none of them, so leaving them out is what makes a status-only update a no-op in the store.
 * kubectl's last-applied-configuration annotation goes too (memory), and so does the payload of Helm's release Secrets
 * (a compressed copy of every revision of every chart, often the largest objects in a cluster): no Gateway reads it,
 * and a reference to one still finds a Secret of that type and is refused for its type, as in file mode.
 */
export function toStoreObject(r: Resource, raw: Record<string, unknown>): KubeObject {
  const { status: _status, metadata, ...rest } = raw as { status?: unknown; metadata: Record<string, unknown> };
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
  // `kubectl apply` keeps a copy of the whole object in an annotation: kept, every applied object would be held twice.
  const annotations = meta.annotations as Record<string, string> | undefined;
  if (annotations && LAST_APPLIED in annotations) {
    const { [LAST_APPLIED]: _la, ...others } = annotations;
    if (Object.keys(others).length > 0) meta.annotations = others;
    else delete meta.annotations;
  }
  if (r.kind === 'Secret' && (rest as { type?: unknown }).type === HELM_RELEASE) {
    delete (rest as { data?: unknown }).data;
    delete (rest as { stringData?: unknown }).stringData;
  }
  return { ...rest, apiVersion: apiVersionOf(r), kind: r.kind, metadata: meta } as KubeObject;
}

const HELM_RELEASE = 'helm.sh/release.v1';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
