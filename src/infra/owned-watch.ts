// Watches the proxy objects Portico provisions (Deployments and ServiceAccounts; Services and ConfigMaps reach
// the controller through its source already), so one deleted or edited by hand is put back at once instead of
// at the next re-apply (RESYNC_MS). Only deletions and spec edits count: status updates of a Deployment would
// otherwise make every rollout step a provisioning pass.
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { GatewayKey } from '../ir/types.ts';
import type { KubeClient } from '../sources/kube-client.ts';
import { GATEWAY_NAME_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './proxy-objects.ts';

export type OwnedWatchOptions = {
  kubeconfig: KubeConfig;
  client: KubeClient;
  /** Called with the Gateway whose proxy object went away or was changed by someone else. */
  onDrift: (gateway: GatewayKey, why: string) => void;
  onError: (message: string) => void;
};

const WATCHED = [
  { kind: 'Deployment', path: '/apis/apps/v1/deployments' },
  { kind: 'ServiceAccount', path: '/api/v1/serviceaccounts' },
] as const;

type Owned = KubernetesObject & { metadata?: { generation?: number } };

/** The Gateway a provisioned object belongs to, from the labels Portico puts on it; null for anything else. */
export function ownerGateway(o: KubernetesObject): GatewayKey | null {
  const labels = o.metadata?.labels ?? {};
  const name = labels[GATEWAY_NAME_LABEL];
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || !name || !o.metadata?.namespace) return null;
  return `${o.metadata.namespace}/${name}` as GatewayKey;
}

export class OwnedObjectWatch {
  readonly #informers: ReturnType<typeof makeInformer<KubernetesObject>>[] = [];
  readonly #o: OwnedWatchOptions;

  constructor(o: OwnedWatchOptions) {
    this.#o = o;
  }

  async start(): Promise<void> {
    const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    for (const w of WATCHED) {
      const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
        return this.#o.client.request<KubernetesListObject<KubernetesObject>>('GET', `${w.path}?labelSelector=${encodeURIComponent(selector)}`);
      };
      const informer = makeInformer<KubernetesObject>(this.#o.kubeconfig, w.path, list, selector);
      informer.on('delete', (o) => this.#drift(o, `${w.kind} ${o.metadata?.namespace}/${o.metadata?.name} was deleted`));
      informer.on('update', (o: Owned) => {
        // Our own apply bumps the generation too; the pass that follows finds nothing to change.
        if (w.kind === 'Deployment' && o.metadata?.generation !== (o as { status?: { observedGeneration?: number } }).status?.observedGeneration) {
          this.#drift(o, `${w.kind} ${o.metadata?.namespace}/${o.metadata?.name} was changed`);
        }
      });
      informer.on('error', (err: unknown) => {
        this.#o.onError(`watching ${w.kind}s labelled ${selector}: ${String(err)}; retrying`);
        setTimeout(() => void informer.start().catch(() => undefined), 2000).unref();
      });
      this.#informers.push(informer);
      await informer.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.stop()));
  }

  #drift(o: KubernetesObject, why: string): void {
    const gateway = ownerGateway(o);
    if (gateway) this.#o.onDrift(gateway, why);
  }
}
