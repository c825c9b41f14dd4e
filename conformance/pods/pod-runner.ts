// Keeps one set of servers per played pod in step with the cluster: start on first sight, restart when
// what the pod runs changed, close when it goes away. Each pod's changes run one after another; a failed
// start (e.g. EADDRNOTAVAIL before the address exists) is retried a few times, never fatal.
import type { Pod, PodServer } from './types.ts';
import { serverKind, type ServerKind } from './pod-spec.ts';

export type Starters = Record<Exclude<ServerKind, 'mesh'>, (pod: Pod) => Promise<PodServer>>;

export type RunnerLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export type RunnerOptions = {
  starters: Starters;
  log: RunnerLog;
  /** Attempts per start, and the pause between them (doubling). */
  attempts?: number;
  retryMs?: number;
};

type Entry = { fingerprint: string; server?: PodServer; queue: Promise<void>; generation: number };

export class PodRunner {
  readonly #o: Required<RunnerOptions>;
  readonly #pods = new Map<string, Entry>();
  #closed = false;

  constructor(o: RunnerOptions) {
    this.#o = { attempts: 5, retryMs: 500, ...o };
  }

  /** Plays `pod` (or stops playing it when undefined). Resolves once the first start attempt is done. */
  set(key: string, pod: Pod | undefined, fingerprint = ''): Promise<void> {
    if (this.#closed) return Promise.resolve();
    let e = this.#pods.get(key);
    if (!pod && !e) return Promise.resolve();
    if (pod && e && e.fingerprint === fingerprint) return Promise.resolve();
    if (!e) {
      e = { fingerprint: '', queue: Promise.resolve(), generation: 0 };
      this.#pods.set(key, e);
    }
    const entry = e;
    const generation = ++entry.generation;
    entry.fingerprint = pod ? fingerprint : '';
    let firstAttempt!: () => void;
    const started = new Promise<void>((resolve) => (firstAttempt = resolve));
    entry.queue = entry.queue.then(async () => {
      await this.#stop(key, entry);
      if (!pod) {
        if (entry.generation === generation) this.#pods.delete(key);
        return firstAttempt();
      }
      await this.#start(key, entry, pod, generation, firstAttempt);
    });
    return started;
  }

  /** Resolves when every queued change, retries included, has run. */
  async idle(): Promise<void> {
    await Promise.all([...this.#pods.values()].map((e) => e.queue));
  }

  /** Pods currently running servers (for diagnostics and tests). */
  running(): string[] {
    return [...this.#pods].filter(([, e]) => e.server).map(([k]) => k);
  }

  async closeAll(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#pods].map(([key, e]) => (e.generation++, e.queue.then(() => this.#stop(key, e)))));
    this.#pods.clear();
  }

  async #stop(key: string, e: Entry): Promise<void> {
    const server = e.server;
    e.server = undefined;
    if (!server) return;
    try {
      await server.close();
      this.#o.log('info', 'stopped pod servers', { pod: key });
    } catch (err) {
      this.#o.log('warn', `closing the servers of pod ${key} failed: ${(err as Error).message}`, { pod: key });
    }
  }

  async #start(key: string, e: Entry, pod: Pod, generation: number, firstAttempt: () => void): Promise<void> {
    const kind = serverKind(pod);
    if (kind === 'mesh') {
      this.#o.log('info', `pod ${key} runs ${pod.image} (mesh echo): not played`, { pod: key });
      return firstAttempt();
    }
    let wait = this.#o.retryMs;
    for (let attempt = 1; attempt <= this.#o.attempts; attempt++) {
      if (this.#closed || e.generation !== generation) return firstAttempt();
      try {
        e.server = await this.#o.starters[kind](pod);
        this.#o.log('info', `playing pod ${key} (${kind}) on ${pod.ip}`, { pod: key, kind, ip: pod.ip });
        if (this.#closed || e.generation !== generation) await this.#stop(key, e);
        return firstAttempt();
      } catch (err) {
        const last = attempt === this.#o.attempts;
        this.#o.log(last ? 'error' : 'warn', `cannot start the ${kind} servers of pod ${key} on ${pod.ip} (attempt ${attempt}/${this.#o.attempts}): ${(err as Error).message}` +
          (last ? '; giving up on this pod until it changes' : `; retrying in ${wait} ms`), { pod: key, kind, ip: pod.ip });
        firstAttempt();
        if (last) return;
        await new Promise((r) => setTimeout(r, wait));
        wait *= 2;
      }
    }
  }
}
