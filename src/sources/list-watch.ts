// The list-then-watch loop every reader of the API server runs (the Kubernetes source, the owned-object watch): list,
// watch from the list's resourceVersion, list again on 410, back off on failures, and stop at once on close().
import type { KubeClient, Watch, WatchEvent } from './kube-client.ts';

/** The API server ends each watch after about this long (kube's reflector picks 5-10 min), and we watch again. */
const WATCH_SECONDS = 300;
/** With bookmarks asked for, a healthy watch is never quiet this long; one that is has lost its connection. */
const IDLE_MS = (WATCH_SECONDS + 60) * 1000;
const MAX_RETRY_MS = 30_000;
/** A watch that ends (or answers 410) sooner than this is followed by a pause: a proxy in between that cuts long requests must not make the loop spin. */
const QUICK_MS = 1000;

export type ListWatchLoop = {
  /** The collection path, with any query of its own (labelSelector); the watch adds its parameters. */
  path: string;
  /** Lists (into the caller's store, or not at all) and returns the resourceVersion to watch from. */
  list(): Promise<string>;
  /** ADDED, MODIFIED or DELETED; ERROR ends the watch, BOOKMARK only moves the resourceVersion. */
  onEvent(e: WatchEvent): void;
  /** After each successful list. */
  onListed(): void;
  /** A list or an event went through: whatever failure was reported is over. */
  onHealthy?(): void;
  /** A list or watch failed; the next try comes after `retryInMs`. */
  onFailure(err: unknown, retryInMs: number): void;
  /** First wait after a failure, doubled up to 30 s. */
  retryMs: number;
};

/** The loops of one reader, stopped together by close(). */
export class ListWatches {
  readonly #client: KubeClient;
  readonly #watches = new Set<Watch>();
  readonly #wakers = new Set<() => void>();
  #closed = false;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ends every watch and every wait; the loops return. */
  close(): void {
    this.#closed = true;
    for (const wake of [...this.#wakers]) wake();
    for (const w of this.#watches) w.abort();
  }

  /** Runs one loop until close(). */
  async run(o: ListWatchLoop): Promise<void> {
    let delay = o.retryMs;
    let version = '';
    let opened = 0;
    while (!this.#closed) {
      try {
        if (version === '') {
          version = await o.list();
          // close() may have come while the list was on its way: a watch opened now would be missed by it.
          if (this.#closed) return;
          delay = o.retryMs;
          o.onHealthy?.();
          o.onListed();
        }
        const q = new URLSearchParams({ watch: 'true', resourceVersion: version, allowWatchBookmarks: 'true', timeoutSeconds: String(WATCH_SECONDS) });
        const watch = this.#client.watch(`${o.path}${o.path.includes('?') ? '&' : '?'}${q}`, (e) => {
          if (e.type === 'ERROR') throw watchError(e.object);
          if (e.type !== 'BOOKMARK') o.onEvent(e);
          const rv = (e.object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
          if (rv) version = rv;
          delay = o.retryMs;
          o.onHealthy?.();
        }, IDLE_MS);
        this.#watches.add(watch);
        opened = Date.now();
        try {
          await watch.done;
        } finally {
          this.#watches.delete(watch);
        }
        if (Date.now() - opened < QUICK_MS) await this.#sleep(o.retryMs);
      } catch (err) {
        if (this.#closed) return;
        if ((err as { code?: number }).code === 410) {
          // 410 Gone: the API server no longer has our resourceVersion's history; only a new list catches up.
          version = '';
          if (Date.now() - opened < QUICK_MS) await this.#sleep(o.retryMs);
          continue;
        }
        o.onFailure(err, delay);
        await this.#sleep(delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }

  /** Resolves after `ms`, or at once when closed (also when close() came first). */
  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.#wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }
}

/** An ERROR event carries a Status; 410 (Expired/Gone) means list again. */
function watchError(status: Record<string, unknown>): Error {
  const s = status as { code?: number; message?: string; reason?: string };
  return Object.assign(new Error(`the watch ended with ${s.code ?? '?'} ${s.reason ?? ''}: ${s.message ?? JSON.stringify(status).slice(0, 200)}`), { code: s.code });
}
