// The Kubernetes source: list + watch every kind the translator reads and keep the ResourceStore in step,
// so the controller builds the same snapshot the file source would from the same manifests.
//
// Its own list and watch rather than client-node's informer: an informer keeps every object as the API server sent it
// (managedFields, status, kubectl's last-applied copy) beside the store's stripped copy, which at thousands of routes
// was the larger part of the controller's heap. Here the store holds the only copy; a kind keeps just its keys, to
// know what a re-list no longer has.
import type { ResourceStore } from './store.ts';
import type { KubeClient, Watch, WatchEvent } from './kube-client.ts';
import { Naps } from './naps.ts';
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

const MAX_RETRY_MS = 30_000;
/** 429 answers in a row before a kind counts as failing. */
const BUSY_TRIES = 4;
/** Lists come in pages: a whole list of thousands of objects is one string and one parse, all live at once. */
const PAGE = 500;
/** The API server ends each watch after about this long (kube's reflector picks 5-10 min), and we watch again. */
const WATCH_SECONDS = 300;
/** With bookmarks asked for, a healthy watch is never quiet this long; one that is has lost its connection. */
const IDLE_MS = (WATCH_SECONDS + 60) * 1000;

type RawObject = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };
type List = { metadata?: { resourceVersion?: string; continue?: string }; items?: RawObject[] };

export class KubernetesSource {
  readonly #o: KubernetesSourceOptions;
  readonly #watches = new Set<Watch>();
  readonly #naps = new Naps();
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
    await Promise.all(resources.map((r) => new Promise<void>((synced) => void this.#run(r, synced))));
  }

  /** One line per kind whose list or watch is failing right now (empty when all are healthy). */
  errors(): string[] {
    return [...this.#failing.values()];
  }

  close(): void {
    this.#closed = true;
    this.#naps.close();
    for (const w of this.#watches) w.abort();
  }

  /** List, then watch from the list's resourceVersion for as long as the source is open; list again when told to. */
  async #run(r: Resource, synced: () => void): Promise<void> {
    const path = collectionPath(r);
    const firstDelay = this.#o.retryMs ?? 1000;
    let delay = firstDelay;
    /** Consecutive 429 answers. */
    let busy = 0;
    /** `namespace/name` of every object of this kind in the store. */
    const keys = new Set<string>();
    let version = '';
    const upsert = (obj: RawObject) => {
      keys.add(keyOf(obj));
      if (this.#o.store.upsert(toStoreObject(r, obj))) this.#o.onChange();
    };
    const remove = (namespace: string | undefined, name: string) => {
      keys.delete(`${namespace ?? ''}/${name}`);
      if (this.#o.store.delete(r.kind, namespace, name)) this.#o.onChange();
    };
    while (!this.#closed) {
      try {
        if (version === '') {
          version = await this.#list(path, keys, upsert, remove);
          this.#failing.delete(r.kind);
          delay = firstDelay;
          busy = 0;
          synced();
        }
        const opened = Date.now();
        const expired = await this.#watch(path, version, (e) => {
          const obj = e.object as RawObject;
          const rv = obj.metadata?.resourceVersion;
          if (e.type === 'ADDED' || e.type === 'MODIFIED') upsert(obj);
          else if (e.type === 'DELETED') remove(obj.metadata?.namespace, obj.metadata?.name ?? '');
          else if (e.type === 'ERROR') throw watchError(obj);
          if (rv) version = rv;
          this.#failing.delete(r.kind);
          delay = firstDelay;
          busy = 0;
        });
        // 410 Gone: the API server no longer has our resourceVersion's history; only a new list catches up.
        if (expired) version = '';
        // A watch the server ends at once (a proxy in between that cuts long requests) must not spin.
        else if (Date.now() - opened < 1000) await this.#naps.sleep(firstDelay);
      } catch (err) {
        if (this.#closed) return;
        if ((err as { code?: number }).code === 410) {
          version = '';
          continue;
        }
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
        await this.#naps.sleep(delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
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
    } while (next !== '' && !this.#closed);
    for (const key of [...keys]) {
      if (seen.has(key)) continue;
      const at = key.indexOf('/');
      remove(at === 0 ? undefined : key.slice(0, at), key.slice(at + 1));
    }
    return version;
  }

  /** One watch; resolves true when the API server says our resourceVersion is too old (list again), false when it ends. */
  async #watch(path: string, version: string, onEvent: (e: WatchEvent) => void): Promise<boolean> {
    const q = new URLSearchParams({ watch: 'true', resourceVersion: version, allowWatchBookmarks: 'true', timeoutSeconds: String(WATCH_SECONDS) });
    const w = this.#o.client.watch(`${path}?${q}`, onEvent, IDLE_MS);
    this.#watches.add(w);
    try {
      await w.done;
      return false;
    } catch (err) {
      if ((err as { code?: number }).code === 410) return true;
      throw err;
    } finally {
      this.#watches.delete(w);
    }
  }
}

function keyOf(o: RawObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** An ERROR event carries a Status; 410 (Expired/Gone) means list again. */
function watchError(status: RawObject): Error {
  const s = status as { code?: number; message?: string; reason?: string };
  return Object.assign(new Error(`the watch ended with ${s.code ?? '?'} ${s.reason ?? ''}: ${s.message ?? JSON.stringify(status).slice(0, 200)}`), { code: s.code });
}
