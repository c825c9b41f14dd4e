// With --infrastructure host the data plane is this process, so there is no proxy pod to carry a Gateway's identity
// into the cluster. Each served Gateway with an address gets a selectorless Service (`<gateway>-portico`) and an
// EndpointSlice pointing at that address: in-cluster clients reach the Gateway by DNS, and spec.infrastructure labels
// and annotations land on the object that stands for the Gateway, as they do on the proxy objects in kubernetes mode.
// Owned by the Gateway (the garbage collector removes them with it); applied with server-side apply like kubernetes.ts.
import { isIPv6 } from 'node:net';
import type { Gateway } from '../api/gateway.ts';
import type { KubeObject } from '../api/meta.ts';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import { FIELD_MANAGER, RESYNC_MS, type ApiClient } from './kubernetes.ts';
import { GATEWAY_NAME_LABEL, MANAGED_BY, MANAGED_BY_LABEL, proxyName } from './proxy-objects.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SLICE_MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** Tells the EndpointSlice controller the slice is not its own to reconcile. */
// A label value: no slash allowed (the API server refuses the slice), hence the domain-style name.
const SLICE_MANAGER = 'host-infrastructure.portico.dev';

export type HostServiceObjects = { service: KubeObject; endpointSlices: KubeObject[] };

/** The objects standing for one Gateway served on this host, or null when it has no address to point at. */
export function hostServiceObjects(gateway: Gateway, config: ProxyConfig): HostServiceObjects | null {
  if (config.addresses.length === 0 || config.listeners.length === 0 || !gateway.metadata.uid) return null;
  const ns = gateway.metadata.namespace ?? 'default';
  const name = proxyName(gateway.metadata.name);
  const infra = gateway.spec.infrastructure ?? {};
  // Ours last, so spec.infrastructure.labels cannot hide whose object this is.
  const labels = { ...(infra.labels ?? {}), [GATEWAY_NAME_LABEL]: gateway.metadata.name, [MANAGED_BY_LABEL]: MANAGED_BY };
  const annotations = infra.annotations ?? {};
  const metadata = (objectName: string, extra: Record<string, string> = {}) => ({
    name: objectName,
    namespace: ns,
    labels: { ...labels, ...extra },
    ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
    ownerReferences: [{ apiVersion: gateway.apiVersion, kind: 'Gateway', name: gateway.metadata.name, uid: gateway.metadata.uid, controller: true }],
  });
  const seen = new Set<string>();
  const ports: { name: string; protocol: string; port: number }[] = [];
  for (const l of config.listeners) {
    const protocol = l.protocol === 'UDP' ? 'UDP' : 'TCP';
    if (seen.has(`${protocol}/${l.port}`)) continue;
    seen.add(`${protocol}/${l.port}`);
    ports.push({ name: `${protocol.toLowerCase()}-${l.port}`, protocol, port: l.port });
  }
  ports.sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name),
    spec: { type: 'ClusterIP', ports: ports.map((p) => ({ ...p, targetPort: p.port })) },
  };
  const families = { IPv4: config.addresses.filter((a) => !isIPv6(a)), IPv6: config.addresses.filter((a) => isIPv6(a)) };
  const endpointSlices = (Object.entries(families) as ['IPv4' | 'IPv6', string[]][])
    .filter(([, addresses]) => addresses.length > 0)
    .map(([family, addresses]) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: metadata(`${name}-${family.toLowerCase()}`, { [SERVICE_NAME_LABEL]: name, [SLICE_MANAGED_BY_LABEL]: SLICE_MANAGER }),
      addressType: family,
      endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
      ports,
    }));
  return { service, endpointSlices };
}

type Live = KubeObject & { metadata: { ownerReferences?: { kind: string; name: string }[] } };

const PATHS = {
  Service: { one: (ns: string) => `/api/v1/namespaces/${ns}/services`, all: '/api/v1/services' },
  EndpointSlice: { one: (ns: string) => `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, all: '/apis/discovery.k8s.io/v1/endpointslices' },
} as const;

/**
 * Keeps the host Services in line with the served Gateways. Only the leader calls `sync`; objects applied unchanged
 * are not sent again, and objects of Gateways no longer served are deleted (listed by our labels, so users' objects
 * are never touched). Failures are returned, not thrown: a cluster that refuses them still gets its traffic served.
 */
export class HostServicePublisher {
  readonly #client: ApiClient;
  readonly #now: () => number;
  readonly #applied = new Map<GatewayKey, string>();
  #swept: { keep: string; at: number } | null = null;

  constructor(client: ApiClient, now: () => number = Date.now) {
    this.#client = client;
    this.#now = now;
  }

  /** The next pass applies and sweeps everything (a new leader: another replica may have changed things). */
  forget(): void {
    this.#applied.clear();
    this.#swept = null;
  }

  /** `mayRemove(namespace, gatewayName)`: whether objects of a Gateway not in `desired` are ours to delete. */
  async sync(
    desired: readonly { gateway: Gateway; config: ProxyConfig }[],
    mayRemove: (namespace: string, gatewayName: string) => boolean,
  ): Promise<{ applied: string[]; deleted: string[]; errors: string[] }> {
    const applied: string[] = [];
    const errors: string[] = [];
    const keep = new Set<string>();
    for (const { gateway, config } of desired) {
      const objects = hostServiceObjects(gateway, config);
      if (!objects) continue;
      const key = config.gateway;
      keep.add(`${gateway.metadata.namespace}/${objects.service.metadata.name}`);
      for (const s of objects.endpointSlices) keep.add(`${gateway.metadata.namespace}/${s.metadata.name}`);
      const body = JSON.stringify(objects);
      if (this.#applied.get(key) === body) continue;
      try {
        for (const o of [objects.service, ...objects.endpointSlices]) await this.#apply(o);
        this.#applied.set(key, body);
        applied.push(key);
      } catch (err) {
        this.#applied.delete(key);
        errors.push((err as Error).message);
      }
    }
    let deleted: string[] = [];
    // Listing costs two API calls, so it runs when the set of kept objects changes, and now and then for drift.
    const keepKey = [...keep].sort().join(' ');
    if (this.#swept?.keep === keepKey && this.#now() - this.#swept.at < RESYNC_MS) return { applied, deleted, errors };
    try {
      deleted = await this.#sweep(keep, mayRemove);
      this.#swept = { keep: keepKey, at: this.#now() };
    } catch (err) {
      errors.push(`cannot list the host Services to remove stale ones: ${(err as Error).message}`);
    }
    return { applied, deleted, errors };
  }

  async #apply(o: KubeObject): Promise<void> {
    const path = `${PATHS[o.kind as keyof typeof PATHS].one(o.metadata.namespace!)}/${encodeURIComponent(o.metadata.name)}?fieldManager=${FIELD_MANAGER}&force=true`;
    try {
      await this.#client.request('PATCH', path, o, 'application/apply-patch+yaml');
    } catch (err) {
      const forbidden = (err as { code?: number }).code === 403;
      throw new Error(`cannot apply ${o.kind} ${o.metadata.namespace}/${o.metadata.name} for the Gateway served on this host: ${(err as Error).message}` +
        (forbidden ? `; grant the controller's account get, list, patch and delete on ${o.kind === 'Service' ? 'services' : 'endpointslices.discovery.k8s.io'}, or run with --host-service=false` : ''));
    }
  }

  async #sweep(keep: ReadonlySet<string>, mayRemove: (namespace: string, gatewayName: string) => boolean): Promise<string[]> {
    const deleted: string[] = [];
    const selector = encodeURIComponent(`${MANAGED_BY_LABEL}=${MANAGED_BY},${GATEWAY_NAME_LABEL}`);
    for (const [kind, paths] of Object.entries(PATHS)) {
      const list = await this.#client.request<{ items: Live[] }>('GET', `${paths.all}?labelSelector=${selector}`);
      for (const o of list.items) {
        const ns = o.metadata.namespace!;
        const owner = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'Gateway');
        if (!owner || keep.has(`${ns}/${o.metadata.name}`) || !mayRemove(ns, owner.name)) continue;
        // Kubernetes-mode proxy Services carry the same labels but a selector; those are the provisioner's.
        if (kind === 'Service' && (o as { spec?: { selector?: unknown } }).spec?.selector) continue;
        if (kind === 'EndpointSlice' && o.metadata.labels?.[SLICE_MANAGED_BY_LABEL] !== SLICE_MANAGER) continue;
        try {
          await this.#client.request('DELETE', `${paths.one(ns)}/${encodeURIComponent(o.metadata.name)}`);
          deleted.push(`${kind} ${ns}/${o.metadata.name}`);
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
    }
    return deleted;
  }
}
