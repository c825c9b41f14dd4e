// Watches the proxy objects Portico provisions (Deployments and ServiceAccounts; Services and ConfigMaps reach
// the controller through its source already), so one deleted or edited by hand is put back at once instead of
// at the next re-apply (RESYNC_MS). Only deletions and spec edits count: status updates of a Deployment would
// otherwise make every rollout step a provisioning pass.
import type { GatewayKey } from '../ir/types.ts';
import type { KubeClient, Watch, WatchEvent } from '../sources/kube-client.ts';
import { Naps } from '../sources/naps.ts';
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
const WATCH_SECONDS = 300;
const IDLE_MS = (WATCH_SECONDS + 60) * 1000;

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
  readonly #watches = new Set<Watch>();
  readonly #naps = new Naps();
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(o: OwnedWatchOptions) {
    this.#o = o;
  }

  /** Resolves once each kind has been listed (or its first list failed and is being retried). */
  async start(): Promise<void> {
    await Promise.all(WATCHED.map((w) => new Promise<void>((listed) => {
      this.#loops.push(this.#run(w, listed));
    })));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#naps.close();
    for (const w of this.#watches) w.abort();
    await Promise.all(this.#loops);
  }

  /**
   * List (for a resourceVersion only: what exists is as the provisioner left it), then watch from there; on 410 list
   * again. Objects that went while no watch was open are not noticed here; the provisioner's resync puts them back.
   */
  async #run(w: (typeof WATCHED)[number], listed: () => void): Promise<void> {
    const first = this.#o.retryMs ?? 2000;
    let delay = first;
    let version = '';
    let opened = 0;
    try {
      while (!this.#stopped) {
        try {
          if (version === '') {
            const list = await this.#o.client.request<{ metadata?: { resourceVersion?: string } }>('GET', `${w.path}?labelSelector=${encodeURIComponent(SELECTOR)}&limit=1`);
            version = list.metadata?.resourceVersion ?? '';
            listed();
            // stop() may have come while the list was on its way: a watch opened now would be missed by it.
            if (this.#stopped) return;
          }
          const q = new URLSearchParams({ watch: 'true', labelSelector: SELECTOR, resourceVersion: version, allowWatchBookmarks: 'true', timeoutSeconds: String(WATCH_SECONDS) });
          const watch = this.#o.client.watch(`${w.path}?${q}`, (e) => {
            version = this.#event(w.kind, e) ?? version;
            delay = first;
          }, IDLE_MS);
          this.#watches.add(watch);
          opened = Date.now();
          try {
            await watch.done;
          } finally {
            this.#watches.delete(watch);
          }
          // A watch the server ends at once (a proxy in between that cuts long requests) must not spin.
          if (Date.now() - opened < 1000) await this.#naps.sleep(first);
        } catch (err) {
          if (this.#stopped) return;
          if ((err as { code?: number }).code === 410) {
            version = '';
            // Nor one that answers 410 at once.
            if (Date.now() - opened < 1000) await this.#naps.sleep(first);
            continue;
          }
          this.#o.onError(`watching ${w.kind}s labelled ${SELECTOR}: ${(err as Error).message ?? String(err)}; retrying in ${Math.round(delay / 1000)}s`);
          listed();
          await this.#naps.sleep(delay);
          delay = Math.min(delay * 2, 30_000);
        }
      }
    } finally {
      // start() waits for every kind's first list; a loop that ends before it must not leave start() waiting.
      listed();
    }
  }

  /** Handles one event; returns its resourceVersion. An ERROR event throws (410 included: list again). */
  #event(kind: string, e: WatchEvent): string | undefined {
    const o = e.object as Owned;
    if (e.type === 'ERROR') {
      const s = e.object as { code?: number; message?: string };
      throw Object.assign(new Error(`the watch ended with ${s.code ?? '?'}: ${s.message ?? ''}`), { code: s.code });
    }
    const what = `${kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
    if (e.type === 'DELETED') this.#drift(o, `${what} was deleted`);
    // Our own apply bumps the generation too; the pass that follows finds nothing to change.
    else if (e.type === 'MODIFIED' && kind === 'Deployment' && o.metadata?.generation !== o.status?.observedGeneration) this.#drift(o, `${what} was changed`);
    return o.metadata?.resourceVersion;
  }

  #drift(o: Owned, why: string): void {
    const gateway = ownerGateway(o);
    if (gateway) this.#o.onDrift(gateway, why);
  }
}
