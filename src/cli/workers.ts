// `portico run --workers N`: the primary's side of a multi-process data plane. N node:cluster workers (worker.ts)
// each apply the same configs; to the rest of `run` this pool is one DataPlane. A worker that dies is replaced and
// given the live configs; close() drains them all.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import type { ApplyResult, DataPlane } from '../dataplane/contract.ts';
import type { ProxyConfig } from '../ir/types.ts';

export type WorkerArgs = { accessLog: 'off' | 'stdout' | { path: string }; logLevel: string };

export type ToWorker =
  | { type: 'apply'; seq: number; configs: readonly ProxyConfig[] }
  | { type: 'metrics'; seq: number }
  | { type: 'drain'; graceMs: number };

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export type ToPrimary =
  | { type: 'ready' }
  | { type: 'applied'; seq: number; results: ApplyResult[] }
  | { type: 'apply-failed'; seq: number; error: string }
  | { type: 'metrics'; seq: number; metrics: MetricsJson };

/** What GET /workers (and /config) reports per worker: the config version it runs for each Gateway. */
export type WorkerStatus = { slot: number; pid: number; ready: boolean; restarts: number; versions: Record<string, string> };

type PoolLog = { info(msg: string): void; warn(msg: string): void; error(msg: string): void };

type Slot = {
  index: number;
  worker: Worker;
  ready: boolean;
  restarts: number;
  startedAt: number;
  versions: Record<string, string>;
};

type Waiting = { resolve: (msg: ToPrimary) => void; slots: Set<number> };

/** A worker that dies sooner than this after starting is restarted after RESTART_BACKOFF_MS, not at once. */
const CRASH_LOOP_MS = 5_000;
const RESTART_BACKOFF_MS = 1_000;
const WORKER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** `--workers auto`: one worker per core. */
export function workerCount(spec: number | 'auto'): number {
  return spec === 'auto' ? availableParallelism() : spec;
}

export class WorkerPool implements DataPlane {
  readonly #slots: Slot[] = [];
  readonly #args: WorkerArgs;
  readonly #log: PoolLog;
  readonly #waiting = new Map<number, { replies: Map<number, ToPrimary>; slots: Set<number>; done: () => void }>();
  #seq = 0;
  /** The configs the workers were last told to run (a replacement worker starts from these). */
  #latest: readonly ProxyConfig[] | null = null;
  #live: readonly ProxyConfig[] | null = null;
  #closing = false;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(args: WorkerArgs, log: PoolLog) {
    this.#args = args;
    this.#log = log;
  }

  /** Forks `count` workers and resolves once each said it is ready. */
  static async start(count: number, args: WorkerArgs, log: PoolLog): Promise<WorkerPool> {
    // Round robin: the primary accepts each connection and hands it to the next worker. That costs the primary a
    // little per connection (not per request, with keep-alive), and spreads connections evenly; with SCHED_NONE the
    // kernel wakes whichever worker it likes and one often takes most of a burst of new connections.
    cluster.schedulingPolicy = cluster.SCHED_RR;
    cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], serialization: 'advanced' });
    const pool = new WorkerPool(args, log);
    await Promise.all(Array.from({ length: count }, (_, i) => pool.#fork(i, 0)));
    return pool;
  }

  #fork(index: number, restarts: number): Promise<void> {
    const worker = cluster.fork({ PORTICO_WORKER_SLOT: String(index), PORTICO_WORKER_ARGS: JSON.stringify(this.#args) });
    const slot: Slot = { index, worker, ready: false, restarts, startedAt: Date.now(), versions: {} };
    this.#slots[index] = slot;
    worker.on('message', (msg: ToPrimary) => this.#onMessage(slot, msg));
    worker.on('exit', (code, signal) => this.#onExit(slot, code, signal));
    return new Promise((resolve) => {
      const ready = (msg: ToPrimary) => {
        if (msg.type !== 'ready') return;
        worker.off('message', ready);
        slot.ready = true;
        // A replacement worker catches up with the configs the others serve before it counts as ready.
        if (this.#latest !== null && restarts > 0) void this.#send([slot], this.#latest).then(() => resolve());
        else resolve();
      };
      worker.on('message', ready);
      worker.once('exit', () => resolve());
    });
  }

  #onMessage(slot: Slot, msg: ToPrimary): void {
    if (msg.type === 'ready') return;
    const w = this.#waiting.get(msg.seq);
    if (!w || !w.slots.has(slot.index)) return;
    if (msg.type === 'applied') for (const r of msg.results) slot.versions[r.gateway] = r.version;
    w.replies.set(slot.index, msg);
    w.slots.delete(slot.index);
    if (w.slots.size === 0) w.done();
  }

  #onExit(slot: Slot, code: number | null, signal: string | null): void {
    if (this.#slots[slot.index] !== slot) return;
    slot.ready = false;
    // Nothing more will come from it: whoever waits for its answer stops waiting.
    for (const w of this.#waiting.values()) {
      if (w.slots.delete(slot.index) && w.slots.size === 0) w.done();
    }
    if (this.#closing) return;
    const lived = Date.now() - slot.startedAt;
    const delay = lived < CRASH_LOOP_MS ? RESTART_BACKOFF_MS : 0;
    this.#log.error(`data-plane worker ${slot.index} (pid ${slot.worker.process.pid}) exited (${signal ?? `code ${code}`}); starting a new one${delay ? ` in ${delay} ms` : ''}`);
    setTimeout(() => {
      if (!this.#closing) void this.#fork(slot.index, slot.restarts + 1);
    }, delay).unref();
  }

  /** Sends one request to each of `slots` and resolves with their answers (a worker that dies does not answer). */
  #request(slots: readonly Slot[], make: (seq: number) => ToWorker): Promise<Map<number, ToPrimary>> {
    const seq = ++this.#seq;
    const replies = new Map<number, ToPrimary>();
    const waiting = new Set(slots.filter((s) => s.ready && s.worker.isConnected()).map((s) => s.index));
    return new Promise((resolve) => {
      const done = () => {
        this.#waiting.delete(seq);
        resolve(replies);
      };
      if (waiting.size === 0) return done();
      this.#waiting.set(seq, { replies, slots: waiting, done });
      const msg = make(seq);
      for (const i of [...waiting]) this.#slots[i].worker.send(msg);
    });
  }

  #send(slots: readonly Slot[], configs: readonly ProxyConfig[]): Promise<Map<number, ToPrimary>> {
    return this.#request(slots, (seq) => ({ type: 'apply', seq, configs }));
  }

  apply(configs: readonly ProxyConfig[]): Promise<ApplyResult[]> {
    const run = this.#queue.then(() => this.#apply(configs));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #apply(configs: readonly ProxyConfig[]): Promise<ApplyResult[]> {
    if (this.#closing) throw new Error('data plane is closed: apply() was called after close(); create a new data plane');
    this.#latest = configs;
    const replies = [...(await this.#send(this.#slots, configs)).values()];
    const failed = replies.find((r) => r.type === 'apply-failed');
    // Every worker validates the same configs the same way: one refusing means all did, and none changed.
    if (failed?.type === 'apply-failed') {
      this.#latest = this.#live;
      throw new Error(failed.error);
    }
    const results = replies.flatMap((r) => (r.type === 'applied' ? [r.results] : []));
    if (results.length === 0) throw new Error('no data-plane worker is running to apply the config; see the log for why they exited');
    this.#live = configs;
    return mergeResults(results);
  }

  /** The version each worker runs, per Gateway. */
  status(): WorkerStatus[] {
    return this.#slots.map((s) => ({ slot: s.index, pid: s.worker.process.pid ?? 0, ready: s.ready, restarts: s.restarts, versions: { ...s.versions } }));
  }

  /** The workers' metrics summed with the primary's `own` registry, as one registry to expose. */
  async metrics(own: Registry): Promise<Registry> {
    const replies = await this.#request(this.#slots, (seq) => ({ type: 'metrics', seq }));
    const all: MetricsJson[] = [await own.getMetricsAsJSON()];
    for (const r of replies.values()) if (r.type === 'metrics') all.push(r.metrics);
    return AggregatorRegistry.aggregate(all) as Registry;
  }

  async close(graceMs = 10_000): Promise<void> {
    await this.#queue;
    this.#closing = true;
    const exits = this.#slots.map((s) => (s.worker.isDead() ? Promise.resolve() : new Promise<void>((resolve) => s.worker.once('exit', () => resolve()))));
    for (const s of this.#slots) if (s.worker.isConnected()) s.worker.send({ type: 'drain', graceMs } satisfies ToWorker);
    // A worker stuck past its grace is killed: shutdown must end.
    const kill = setTimeout(() => { for (const s of this.#slots) if (!s.worker.isDead()) s.worker.process.kill('SIGKILL'); }, graceMs + 5_000);
    await Promise.all(exits);
    clearTimeout(kill);
  }
}

/** One result per Gateway: a listener counts as bound only when every worker bound it. */
export function mergeResults(perWorker: readonly ApplyResult[][]): ApplyResult[] {
  const [first, ...rest] = perWorker;
  return first.map((r, i) => ({
    ...r,
    listeners: r.listeners.map((l, j) => {
      const failed = rest.map((w) => w[i]?.listeners[j]).find((o) => o !== undefined && !o.bound);
      return l.bound && failed ? failed : l;
    }),
  }));
}
