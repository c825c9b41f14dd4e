// Lists and watches Pods, Secrets and ConfigMaps in every namespace. Pod events go to a callback; Secrets
// and ConfigMaps stay in the informers' caches, where pod volume files are looked up when read.
import { CoreV1Api, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1ConfigMap, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import type { VolumeSources } from './pod-spec.ts';
import type { RunnerLog } from './pod-runner.ts';

type Informer<T extends KubernetesObject> = ReturnType<typeof makeInformer<T>>;

export type ClusterWatchOptions = {
  kubeconfig: KubeConfig;
  log: RunnerLog;
  /** Called for every add or update (`deleted` false) and delete (`deleted` true) of a Pod. */
  onPod: (pod: V1Pod, deleted: boolean) => void;
  retryMs?: number;
};

const MAX_RETRY_MS = 30_000;

export class ClusterWatch implements VolumeSources {
  readonly #o: ClusterWatchOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #informers: Informer<KubernetesObject>[] = [];
  #secrets?: Informer<V1Secret>;
  #configMaps?: Informer<V1ConfigMap>;
  #closed = false;

  constructor(o: ClusterWatchOptions) {
    this.#o = o;
  }

  /** Resolves once Secrets, ConfigMaps and then Pods have each been listed once (pod callbacks included). */
  async start(): Promise<void> {
    const api = this.#o.kubeconfig.makeApiClient(CoreV1Api);
    const [secrets, secretsSynced] = this.#watch<V1Secret>('Secret', '/api/v1/secrets', () => api.listSecretForAllNamespaces());
    const [configMaps, configMapsSynced] = this.#watch<V1ConfigMap>('ConfigMap', '/api/v1/configmaps', () => api.listConfigMapForAllNamespaces());
    this.#secrets = secrets;
    this.#configMaps = configMaps;
    await Promise.all([secretsSynced, configMapsSynced]);
    const [pods, podsSynced] = this.#watch<V1Pod>('Pod', '/api/v1/pods', () => api.listPodForAllNamespaces());
    pods.on('add', (p) => this.#o.onPod(p, false));
    pods.on('update', (p) => this.#o.onPod(p, false));
    pods.on('delete', (p) => this.#o.onPod(p, true));
    await podsSynced;
  }

  secret(namespace: string, name: string): V1Secret | undefined {
    return this.#secrets?.get(name, namespace);
  }

  configMap(namespace: string, name: string): V1ConfigMap | undefined {
    return this.#configMaps?.get(name, namespace);
  }

  stop(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const i of this.#informers) void i.stop();
  }

  #watch<T extends KubernetesObject>(kind: string, path: string, list: () => Promise<KubernetesListObject<T>>): [Informer<T>, Promise<void>] {
    const firstDelay = this.#o.retryMs ?? 1000;
    let delay = firstDelay;
    let markSynced!: () => void;
    const synced = new Promise<void>((resolve) => (markSynced = resolve));
    const informer = makeInformer<T>(this.#o.kubeconfig, path, async () => {
      const out = await list();
      delay = firstDelay;
      // The informer adds the listed items (and calls back) right after this returns; synced comes after that.
      setImmediate(markSynced);
      return out;
    });
    this.#informers.push(informer as unknown as Informer<KubernetesObject>);
    informer.on('error', (err: unknown) => {
      if (this.#closed) return;
      const why = (err as Error)?.message ?? String(err);
      this.#o.log('warn', `cannot list/watch ${kind}s at ${this.#o.kubeconfig.getCurrentCluster()?.server ?? '?'}${path}: ${why}; retrying in ${Math.round(delay / 1000)} s (check --kubeconfig and that the API server is up)`);
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (!this.#closed) void informer.start();
      }, delay);
      this.#timers.add(t);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    });
    void informer.start();
    return [informer, synced];
  }
}
