// Watches the proxy objects Portico provisions (Deployments and ServiceAccounts; Services and ConfigMaps reach
// the controller through its source already), so one deleted or edited by hand is put back at once instead of
// at the next re-apply (RESYNC_MS). Only deletions and spec edits count: status updates of a Deployment would
// otherwise make every rollout step a provisioning pass.
import type { GatewayKey } from '../ir/types.ts';
import type { KubeClient, WatchEvent } from '../sources/kube-client.ts';
import { ListWatches } from '../sources/list-watch.ts';
import { GATEWAY_NAME_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './proxy-objects.ts';

export type OwnedWatchOptions = {
  client: KubeClient;
  /** Called with the Gateway whose proxy object went away or was changed by someone else. */
  onDrift: (gateway: GatewayKey, why: string) => void;
  onError: (message: string) => void;
  /** First wait after a failed list or watch, doubled up to 30 s (default 2 s). */
  retryMs?: number;
};

const WATCHED = [
  { kind: 'Deployment', path: '/apis/apps/v1/deployments' },
  { kind: 'ServiceAccount', path: '/api/v1/serviceaccounts' },
] as const;
const SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

type Owned = {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; generation?: number; resourceVersion?: string };
  status?: { observedGeneration?: number };
};

/** The Gateway a provisioned object belongs to, from the labels Portico puts on it; null for anything else. */
export function ownerGateway(o: Owned): GatewayKey | null {
  const labels = o.metadata?.labels ?? {};
  const name = labels[GATEWAY_NAME_LABEL];
  if (labels[MANAGED_BY_LABEL] !== MANAGED_BY || !name || !o.metadata?.namespace) return null;
  return `${o.metadata.namespace}/${name}` as GatewayKey;
}

export class OwnedObjectWatch {
  readonly #o: OwnedWatchOptions;
  readonly #loops: ListWatches;
  readonly #running: Promise<void>[] = [];

  constructor(o: OwnedWatchOptions) {
    this.#o = o;
    this.#loops = new ListWatches(o.client);
  }

  /** Resolves once each kind has been listed, or its list has failed once (it is retried meanwhile). */
  async start(): Promise<void> {
    await Promise.all(WATCHED.map((w) => new Promise<void>((listed) => {
      // A loop that ends (stop()) before listing must not leave start() waiting.
      this.#running.push(this.#run(w, listed).finally(listed));
    })));
  }

  async stop(): Promise<void> {
    this.#loops.close();
    await Promise.all(this.#running);
  }

  /**
   * List (for a resourceVersion only: what exists is as the provisioner left it), then watch from there. Objects that
   * went while no watch was open are not noticed here; the provisioner's resync puts them back.
   */
  #run(w: (typeof WATCHED)[number], listed: () => void): Promise<void> {
    const query = `labelSelector=${encodeURIComponent(SELECTOR)}`;
    return this.#loops.run({
      path: `${w.path}?${query}`,
      retryMs: this.#o.retryMs ?? 2000,
      list: async () => (await this.#o.client.request<{ metadata?: { resourceVersion?: string } }>('GET', `${w.path}?${query}&limit=1`)).metadata?.resourceVersion ?? '',
      onListed: listed,
      onEvent: (e) => this.#event(w.kind, e),
      onFailure: (err, delay) => {
        this.#o.onError(`watching ${w.kind}s labelled ${SELECTOR}: ${(err as Error).message ?? String(err)}; retrying in ${Math.round(delay / 1000)}s`);
        listed();
      },
    });
  }

  /** A deletion, or a Deployment's spec changed by someone else. */
  #event(kind: string, e: WatchEvent): void {
    const o = e.object as Owned;
    const what = `${kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
    if (e.type === 'DELETED') this.#drift(o, `${what} was deleted`);
    // Our own apply bumps the generation too; the pass that follows finds nothing to change.
    else if (e.type === 'MODIFIED' && kind === 'Deployment' && o.metadata?.generation !== o.status?.observedGeneration) this.#drift(o, `${what} was changed`);
  }

  #drift(o: Owned, why: string): void {
    const gateway = ownerGateway(o);
    if (gateway) this.#o.onDrift(gateway, why);
  }
}
