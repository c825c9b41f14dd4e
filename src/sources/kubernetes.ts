// The Kubernetes source: list + watch every kind the translator reads and keep the ResourceStore in step,
// so the controller builds the same snapshot the file source would from the same manifests.
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { ResourceStore } from './store.ts';
import type { KubeClient } from './kube-client.ts';
import { collectionPath, discover, toStoreObject, type Resource } from './informers.ts';

export type SourceLog = {
  info(msg: string): void;
  warn(msg: string): void;
};

export type KubernetesSourceOptions = {
  kubeconfig: KubeConfig;
  client: KubeClient;
  store: ResourceStore;
  log: SourceLog;
  /** Called after a change that matters reached the store (status-only updates do not). */
  onChange: () => void;
  /** First delay before re-listing after a failed list or watch; doubles up to 30 s. */
  retryMs?: number;
};

type Informer = ReturnType<typeof makeInformer<KubernetesObject>>;

const MAX_RETRY_MS = 30_000;

export class KubernetesSource {
  readonly #o: KubernetesSourceOptions;
  readonly #informers: Informer[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #failing = new Map<string, string>();
  #closed = false;

  constructor(options: KubernetesSourceOptions) {
    this.#o = options;
  }

  /** Resolves once every kind has been listed once, so the first rebuild sees the whole cluster. */
  async start(): Promise<void> {
    const { resources, missing } = await discover(this.#o.client);
    for (const r of missing) {
      this.#o.log.warn(`the API server does not serve ${r.plural}.${r.group || 'core'}/${r.version}; ${r.kind} objects are not read. ` +
        (r.group === 'gateway.networking.k8s.io' ? 'Install the Gateway API CRDs (v1.6.x, standard or experimental channel) and restart.' : ''));
    }
    await Promise.all(resources.map((r) => this.#watch(r)));
  }

  /** One line per kind whose list or watch is failing right now (empty when all are healthy). */
  errors(): string[] {
    return [...this.#failing.values()];
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const i of this.#informers) void i.stop();
  }

  #watch(r: Resource): Promise<void> {
    const path = collectionPath(r);
    const firstDelay = this.#o.retryMs ?? 1000;
    let delay = firstDelay;
    let markSynced: () => void = () => {};
    const synced = new Promise<void>((resolve) => (markSynced = resolve));
    const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const out = await this.#o.client.request<KubernetesListObject<KubernetesObject>>('GET', path);
      this.#failing.delete(r.kind);
      delay = firstDelay;
      // The informer adds the list's items right after this returns, in the same microtask run; a macrotask later
      // they are in the store, which is what start() promises.
      setImmediate(markSynced);
      return out;
    };
    const informer = makeInformer<KubernetesObject>(this.#o.kubeconfig, path, list);
    this.#informers.push(informer);

    const upsert = (obj: KubernetesObject) => {
      this.#failing.delete(r.kind);
      if (this.#o.store.upsert(toStoreObject(r, obj as Record<string, unknown>))) this.#o.onChange();
    };
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', (obj) => {
      if (this.#o.store.delete(r.kind, obj.metadata?.namespace, obj.metadata?.name ?? '')) this.#o.onChange();
    });

    informer.on('error', (err: unknown) => {
      if (this.#closed) return;
      const why = (err as Error)?.message ?? String(err);
      const line = `cannot list/watch ${r.kind} at ${this.#o.client.server}${path}: ${why}; retrying in ${Math.round(delay / 1000)}s`;
      this.#failing.set(r.kind, line);
      this.#o.log.warn(line);
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (!this.#closed) void informer.start();
      }, delay);
      this.#timers.add(t);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    });
    void informer.start();
    return synced;
  }
}
