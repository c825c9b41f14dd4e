// The Kubernetes infrastructure: per Gateway, a ServiceAccount, a CA ConfigMap, a proxy Deployment and a Service, owned by the
// Gateway (the garbage collector removes them with it). Applied with server-side apply under one field manager, so
// re-applying an unchanged object is a no-op for the API server (no write, no watch event) and a label dropped from
// spec.infrastructure disappears from the objects. Only the leader calls `sync`. Passes come often (any watched
// change in the cluster), so a Gateway whose objects were applied unchanged a short while ago costs no API call;
// drift (someone edits or deletes the Deployment, which is not watched) is repaired within RESYNC_MS.
import type { ConfigMap, Service } from '../api/core.ts';
import type { Gateway } from '../api/gateway.ts';
import type { KubeObject } from '../api/meta.ts';
import type { GatewayKey, ProxyConfig } from '../ir/types.ts';
import {
  awaitingLoadBalancer, GATEWAY_NAME_LABEL, MANAGED_BY, MANAGED_BY_LABEL, proxyObjects, serviceAddresses, unprovisionable,
  type ProxyImage,
} from './proxy-objects.ts';
import { proxyParams, type ProxyParams } from './proxy-params.ts';

/** The API calls the provisioner makes; the controller passes its KubeClient (errors carry the HTTP `code`). */
export type ApiClient = {
  request<T = unknown>(method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE', path: string, body?: unknown, contentType?: string): Promise<T>;
};

export type ProvisionOutcome =
  | { state: 'provisioned'; deployment: string; params: ProxyParams; addresses: { type: 'IPAddress' | 'Hostname'; value: string }[] }
  /** The spec's InvalidParameters: the Gateway is not accepted; objects it already has are left as they are. */
  | { state: 'invalid-parameters'; message: string }
  /** Could not be provisioned now (API error, a name taken by someone else's object); retried. */
  | { state: 'failed'; message: string };

export type SyncReport = {
  outcomes: Map<GatewayKey, ProvisionOutcome>;
  /** `Kind ns/name` of objects removed because their Gateway is no longer served. */
  deleted: string[];
  /** Another pass is worth it: soon after a failure, later while a LoadBalancer Service waits for its address. */
  retry: 'soon' | 'later' | null;
};

export const FIELD_MANAGER = 'portico';
/** How long an applied object is trusted to be as we left it before it is applied again anyway. */
export const RESYNC_MS = 5 * 60_000;

export type SyncInputs = {
  configMaps: readonly ConfigMap[];
  /** Services as the source sees them: a proxy Service deleted or replaced behind our back is re-applied at once. */
  services: readonly Service[];
  /** Whether a proxy object whose Gateway is not in the list may be deleted (see `sync`). */
  mayRemove: (namespace: string, gatewayName: string) => boolean;
};

/** How long a LoadBalancer Service waiting for its address is trusted before it is read again. */
export const LOAD_BALANCER_RECHECK_MS = 30_000;

type Applied = { objects: string; serviceUid: string; until: number; outcome: ProvisionOutcome; retry: SyncReport['retry'] };

type Kind = { kind: string; path: (ns: string) => string };
const KINDS: Record<'ServiceAccount' | 'ConfigMap' | 'Deployment' | 'Service', Kind> = {
  ServiceAccount: { kind: 'ServiceAccount', path: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts` },
  ConfigMap: { kind: 'ConfigMap', path: (ns) => `/api/v1/namespaces/${ns}/configmaps` },
  Deployment: { kind: 'Deployment', path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments` },
  Service: { kind: 'Service', path: (ns) => `/api/v1/namespaces/${ns}/services` },
};
const CLUSTER_WIDE: Record<keyof typeof KINDS, string> = {
  ServiceAccount: '/api/v1/serviceaccounts',
  ConfigMap: '/api/v1/configmaps',
  Deployment: '/apis/apps/v1/deployments',
  Service: '/api/v1/services',
};

type Live = KubeObject & { metadata: { ownerReferences?: { kind: string; name: string; uid: string }[] } };

export class KubernetesProvisioner {
  readonly #client: ApiClient;
  #image: ProxyImage;
  readonly #now: () => number;
  readonly #applied = new Map<GatewayKey, Applied>();
  #swept: { keep: string; at: number } | null = null;

  constructor(client: ApiClient, image: ProxyImage, now: () => number = Date.now) {
    this.#client = client;
    this.#image = image;
    this.#now = now;
  }

  /** The config server's CA for the proxies' ConfigMaps; a new one is applied on the next pass. */
  setCaBundle(pem: string): void {
    if (this.#image.caBundle === pem) return;
    this.#image = { ...this.#image, caBundle: pem };
  }

  /** Forgets what was applied for one Gateway (its objects were deleted or edited behind our back): the next pass applies them. */
  forgetGateway(key: GatewayKey): void {
    this.#applied.delete(key);
  }

  /** Forgets what was applied, so the next pass applies and sweeps everything (a new leader: another replica may have changed things). */
  forget(): void {
    this.#applied.clear();
    this.#swept = null;
  }

  /**
   * Creates or updates the proxies of `gateways` (each with its translated config), and deletes Portico proxies
   * whose Gateway is not in the list when `mayRemove(namespace, gatewayName)` agrees: the caller says which Gateways
   * are its to judge (gone, no longer accepted, moved to a class that is not Portico's), so a controller limited to
   * some classes never removes the proxies of another one's.
   */
  async sync(gateways: readonly { gateway: Gateway; config: ProxyConfig }[], inputs: SyncInputs): Promise<SyncReport> {
    const outcomes = new Map<GatewayKey, ProvisionOutcome>();
    let retry: SyncReport['retry'] = null;
    for (const { gateway, config } of gateways) {
      const outcome = await this.#provision(gateway, config, inputs);
      outcomes.set(config.gateway, outcome.outcome);
      if (outcome.retry === 'soon' || retry === null) retry = outcome.retry ?? retry;
    }
    for (const key of [...this.#applied.keys()]) if (!outcomes.has(key)) this.#applied.delete(key);
    const keep = new Set(gateways.map((g) => `${g.gateway.metadata.namespace}/${g.gateway.metadata.name}`));
    const keepId = [...keep].sort().join(' ');
    let deleted: string[] = [];
    // Proxies to delete appear only when a Gateway leaves the list; the periodic sweep catches anything else.
    if (!this.#swept || this.#swept.keep !== keepId || this.#now() - this.#swept.at >= RESYNC_MS) {
      try {
        deleted = await this.#sweep(keep, inputs.mayRemove);
        this.#swept = { keep: keepId, at: this.#now() };
      } catch {
        // A failed sweep only delays a deletion; the next pass sweeps again.
        this.#swept = null;
        retry = 'soon';
      }
    }
    return { outcomes, deleted, retry };
  }

  async #provision(gateway: Gateway, config: ProxyConfig, inputs: SyncInputs): Promise<{ outcome: ProvisionOutcome; retry: SyncReport['retry'] }> {
    const key = config.gateway;
    const why = unprovisionable(gateway, config);
    if (why) return { outcome: { state: 'failed', message: `its proxies cannot be created: ${why}` }, retry: null };
    const p = proxyParams(gateway, inputs.configMaps);
    if ('error' in p) return { outcome: { state: 'invalid-parameters', message: p.error }, retry: null };
    const objects = proxyObjects(gateway, config, p.params, this.#image);
    const ns = gateway.metadata.namespace!;
    const json = JSON.stringify(objects);
    const seen = inputs.services.find((s) => s.metadata.namespace === ns && s.metadata.name === objects.service.metadata.name);
    const last = this.#applied.get(key);
    if (last && last.objects === json && seen?.metadata.uid === last.serviceUid && this.#now() < last.until) {
      return { outcome: last.outcome, retry: last.retry };
    }
    this.#applied.delete(key);
    try {
      const ca = objects.caConfigMap ? [objects.caConfigMap] : [];
      for (const o of [objects.serviceAccount, ...ca, objects.service, objects.deployment]) await this.#checkOwner(o, gateway);
      await this.#apply(objects.serviceAccount);
      for (const o of ca) await this.#apply(o);
      const service = await this.#apply(objects.service) as { metadata?: { uid?: string } };
      await this.#apply(objects.deployment);
      const outcome: ProvisionOutcome = { state: 'provisioned', deployment: `${ns}/${objects.deployment.metadata.name}`, params: p.params, addresses: serviceAddresses(service) };
      // A LoadBalancer still waiting for its address is read again soon: its ingress is status, which no watch reports.
      const waiting = awaitingLoadBalancer(service);
      this.#applied.set(key, { objects: json, serviceUid: service.metadata?.uid ?? '', until: this.#now() + (waiting ? LOAD_BALANCER_RECHECK_MS : RESYNC_MS), outcome, retry: waiting ? 'later' : null });
      return { outcome, retry: waiting ? 'later' : null };
    } catch (err) {
      return { outcome: { state: 'failed', message: (err as Error).message }, retry: 'soon' };
    }
  }

  /** Refuses to take over an object of the same name that this Gateway does not own (a user's own Service, say). */
  async #checkOwner(o: KubeObject, gateway: Gateway): Promise<void> {
    const kind = KINDS[o.kind as keyof typeof KINDS];
    const path = `${kind.path(o.metadata.namespace!)}/${encodeURIComponent(o.metadata.name)}`;
    let live: Live;
    try {
      live = await this.#client.request<Live>('GET', path);
    } catch (err) {
      if ((err as { code?: number }).code === 404) return;
      throw new Error(`cannot read ${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${(err as Error).message}${hint(err, o.kind)}`);
    }
    const owned = (live.metadata.ownerReferences ?? []).some((r) => r.kind === 'Gateway' && r.uid === gateway.metadata.uid);
    if (!owned) {
      throw new Error(`${o.kind} ${o.metadata.namespace}/${o.metadata.name} already exists and is not owned by this Gateway; ` +
        `delete or rename it so Portico can create the Gateway's ${o.kind} under that name`);
    }
  }

  async #apply(o: KubeObject): Promise<unknown> {
    const kind = KINDS[o.kind as keyof typeof KINDS];
    const path = `${kind.path(o.metadata.namespace!)}/${encodeURIComponent(o.metadata.name)}?fieldManager=${FIELD_MANAGER}&force=true`;
    try {
      return await this.#client.request('PATCH', path, o, 'application/apply-patch+yaml');
    } catch (err) {
      throw new Error(`cannot apply ${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${(err as Error).message}${hint(err, o.kind)}`);
    }
  }

  /** Deletes Portico proxy objects whose Gateway is not kept. Listed by label, so objects of users are never touched. */
  async #sweep(keep: ReadonlySet<string>, mayRemove: (namespace: string, gatewayName: string) => boolean): Promise<string[]> {
    const deleted: string[] = [];
    const selector = encodeURIComponent(`${MANAGED_BY_LABEL}=${MANAGED_BY},${GATEWAY_NAME_LABEL}`);
    for (const [name, kind] of Object.entries(KINDS) as [keyof typeof KINDS, Kind][]) {
      const list = await this.#client.request<{ items: Live[] }>('GET', `${CLUSTER_WIDE[name]}?labelSelector=${selector}`);
      for (const o of list.items) {
        const ns = o.metadata.namespace!;
        const owner = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'Gateway');
        if (!owner || keep.has(`${ns}/${owner.name}`) || !mayRemove(ns, owner.name)) continue;
        try {
          await this.#client.request('DELETE', `${kind.path(ns)}/${encodeURIComponent(o.metadata.name)}`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
          deleted.push(`${name} ${ns}/${o.metadata.name}`);
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
    }
    return deleted;
  }
}

function hint(err: unknown, kind: string): string {
  if ((err as { code?: number }).code !== 403) return '';
  return `; with --infrastructure kubernetes the controller's account needs get, list, create, update, patch and delete on ${kind === 'Deployment' ? 'deployments.apps' : `${kind.toLowerCase()}s`} (the chart's -provisioner ClusterRole)`;
}
