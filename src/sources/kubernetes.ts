// The Kubernetes source: list + watch every kind the translator reads and keep the ResourceStore in step,
// so the controller builds the same snapshot the file source would from the same manifests.
//
// Its own list and watch rather than client-node's informer: an informer keeps every object as the API server sent it
// (managedFields, status, kubectl's last-applied copy) beside the store's stripped copy, which at thousands of routes
// was the larger part of the controller's heap. Here the store holds the only copy; a kind keeps just its keys, to
// know what a re-list no longer has.
import type { ResourceStore } from './store.ts';
import type { KubeClient } from './kube-client.ts';
import { ListWatches } from './list-watch.ts';
import { collectionPath, discover, toStoreObject, type Resource } from './informers.ts';

export type SourceLog = {
  info(msg: string): void;
  warn(msg: string): void;
};

export type KubernetesSourceOptions = {
  client: KubeClient;
  store: ResourceStore;
  log: SourceLog;
  /** Called after a change that matters reached the store (status-only updates do not). */
  onChange: () => void;
  /** First delay before re-listing after a failed list or watch; doubles up to 30 s. */
  retryMs?: number;
};

/** 429 answers in a row before a kind counts as failing. */
const BUSY_TRIES = 4;
/** Lists come in pages: a whole list of thousands of objects is one string and one parse, all live at once. */
const PAGE = 500;

type RawObject = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };
type List = { metadata?: { resourceVersion?: string; continue?: string }; items?: RawObject[] };

export class KubernetesSource {
  readonly #o: KubernetesSourceOptions;
  readonly #loops: ListWatches;
  readonly #failing = new Map<string, string>();

  constructor(options: KubernetesSourceOptions) {
    this.#o = options;
    this.#loops = new ListWatches(options.client);
  }

  /** Resolves once every kind has been listed once, so the first rebuild sees the whole cluster. */
  async start(): Promise<void> {
    const { resources, missing } = await discover(this.#o.client);
    for (const r of missing) {
      this.#o.log.warn(`the API server does not serve ${r.plural}.${r.group || 'core'}/${r.version}; ${r.kind} objects are not read. ` +
        (r.group === 'gateway.networking.k8s.io' ? 'Install the Gateway API CRDs (v1.6.x, standard or experimental channel) and restart.' : ''));
    }
    await Promise.all(resources.map((r) => new Promise<void>((synced) => void this.#run(r, synced))));
  }

  /** One line per kind whose list or watch is failing right now (empty when all are healthy). */
  errors(): string[] {
    return [...this.#failing.values()];
  }

  close(): void {
    this.#loops.close();
  }

  /** List, then watch from the list's resourceVersion for as long as the source is open; list again when told to. */
  async #run(r: Resource, synced: () => void): Promise<void> {
    const path = collectionPath(r);
    /** Consecutive 429 answers. */
    let busy = 0;
    /** `namespace/name` of every object of this kind in the store. */
    const keys = new Set<string>();
    const upsert = (obj: RawObject) => {
      keys.add(keyOf(obj));
      if (this.#o.store.upsert(toStoreObject(r, obj))) this.#o.onChange();
    };
    const remove = (namespace: string | undefined, name: string) => {
      keys.delete(`${namespace ?? ''}/${name}`);
      if (this.#o.store.delete(r.kind, namespace, name)) this.#o.onChange();
    };
    await this.#loops.run({
      path,
      retryMs: this.#o.retryMs ?? 1000,
      list: () => this.#list(path, keys, upsert, remove),
      onListed: synced,
      onEvent: (e) => {
        const obj = e.object as RawObject;
        if (e.type === 'ADDED' || e.type === 'MODIFIED') upsert(obj);
        else if (e.type === 'DELETED') remove(obj.metadata?.namespace, obj.metadata?.name ?? '');
      },
      onHealthy: () => {
        this.#failing.delete(r.kind);
        busy = 0;
      },
      onFailure: (err, delay) => {
        const why = (err as Error)?.message ?? String(err);
        const line = `cannot list/watch ${r.kind} at ${this.#o.client.server}${path}: ${why}; retrying in ${Math.round(delay / 1000)}s`;
        // 429 is the API server asking to come back later: its watch cache for a just-established CRD is still
        // filling ("storage is (re)initializing"), or priority and fairness is shedding load. Normal for a moment;
        // a failure only when it goes on.
        if ((err as { code?: number }).code === 429 && ++busy < BUSY_TRIES) this.#o.log.info(line);
        else {
          this.#failing.set(r.kind, line);
          this.#o.log.warn(line);
        }
      },
    });
  }

  /** Lists page by page into the store, removes what the list no longer has, and returns its resourceVersion. */
  async #list(path: string, keys: Set<string>, upsert: (o: RawObject) => void, remove: (ns: string | undefined, name: string) => void): Promise<string> {
    const seen = new Set<string>();
    let next = '';
    let version = '';
    do {
      const q = new URLSearchParams({ limit: String(PAGE), ...(next ? { continue: next } : {}) });
      const page = await this.#o.client.request<List>('GET', `${path}?${q}`);
      for (const item of page.items ?? []) {
        seen.add(keyOf(item));
        upsert(item);
      }
      next = page.metadata?.continue ?? '';
      version = page.metadata?.resourceVersion ?? '';
    } while (next !== '' && !this.#loops.closed);
    for (const key of [...keys]) {
      if (seen.has(key)) continue;
      const at = key.indexOf('/');
      remove(at === 0 ? undefined : key.slice(0, at), key.slice(at + 1));
    }
    return version;
  }
}

function keyOf(o: RawObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}
