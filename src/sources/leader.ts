// Leader election on a coordination.k8s.io/v1 Lease, with the semantics of client-go's leaderelection package, so
// the two can share a Lease and tools that read it (kubectl, dashboards) understand it. Every replica serves; only
// the leader writes to the cluster. Leadership gates writes, not reads, so it lives beside the source's API client
// rather than in status/: the provisioner of `--infrastructure kubernetes` needs the same gate.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { KubeClient } from './kube-client.ts';

export type LeaseSpec = {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
};

export type Lease = {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; [field: string]: unknown };
  spec: LeaseSpec;
};

/** The Lease calls the elector makes; `kubeLeaseClient` backs it with the API server, tests with a fake. */
export type LeaseClient = {
  /** Where the Lease is, for messages: `namespace/name`. */
  readonly where: string;
  /** The Lease, or null when it does not exist. */
  get(): Promise<Lease | null>;
  /** Rejects with `{ code: 409 }` when it already exists. */
  create(lease: Lease): Promise<Lease>;
  /** Rejects with `{ code: 409 }` when `metadata.resourceVersion` is not the live one. */
  replace(lease: Lease): Promise<Lease>;
};

export type LeaderLog = { info(msg: string): void; warn(msg: string): void };

export type LeaderOptions = {
  /** Unique per replica: hostname and pid (`defaultIdentity()`). */
  identity: string;
  /** How long others wait after the last renewal they saw before taking over. */
  leaseDurationMs?: number;
  /** How often the leader renews. */
  renewMs?: number;
  /** A leader that could not renew for this long stops leading, before others may consider the Lease expired. */
  renewDeadlineMs?: number;
  /** How often a follower (or a leader whose renewal failed) tries again. */
  retryMs?: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  log?: LeaderLog;
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
};

export const LEASE_DURATION_MS = 15_000;
export const RENEW_MS = 5_000;
export const RENEW_DEADLINE_MS = 10_000;
export const RETRY_MS = 2_000;

export class LeaderElector {
  readonly #client: LeaseClient;
  readonly #o: Required<Omit<LeaderOptions, 'onStartedLeading' | 'onStoppedLeading' | 'log'>> & LeaderOptions;
  /** The Lease as last read or written, and when (our clock) its resourceVersion was first seen. */
  #observed: Lease | null = null;
  #observedAt = 0;
  #leading = false;
  /** Our clock when the last successful renewal was sent: the lease counts from no earlier than that. */
  #renewedAt = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | null = null;
  #lastProblem = '';
  /** The holder last logged while following, so a follower says who leads once, not every retry. */
  #followed = '';

  constructor(client: LeaseClient, options: LeaderOptions) {
    this.#client = client;
    this.#o = {
      leaseDurationMs: LEASE_DURATION_MS, renewMs: RENEW_MS, renewDeadlineMs: RENEW_DEADLINE_MS, retryMs: RETRY_MS,
      now: Date.now, ...options,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs) throw new Error('the renew deadline must be shorter than the lease duration');
  }

  get identity(): string {
    return this.#o.identity;
  }

  /**
   * True while this replica may write. Checked against the clock too, so a stalled event loop that missed its
   * renewals stops writing even before the loop notices.
   */
  isLeader(): boolean {
    return this.#leading && !this.#stopped && this.#o.now() - this.#renewedAt < this.#o.renewDeadlineMs;
  }

  /** The holder of the Lease as last seen ('' when free or unknown). */
  holder(): string {
    return this.#observed?.spec.holderIdentity ?? '';
  }

  /** Tries at once, then renews (leader) or retries (follower) on timers until `stop()`. */
  start(): void {
    const loop = async () => {
      this.#timer = undefined;
      await this.step();
      if (!this.#stopped) this.#timer = setTimeout(loop, this.isLeader() ? this.#o.renewMs : this.#o.retryMs);
    };
    void loop();
  }

  /**
   * One attempt to acquire or renew the Lease; the loop calls it, tests call it directly with a fake clock.
   * Never rejects: failures are logged and leadership is kept until the renew deadline.
   */
  step(): Promise<void> {
    const run = this.#attempt().then((held) => this.#settle(held));
    this.#inFlight = run;
    return run.finally(() => {
      if (this.#inFlight === run) this.#inFlight = null;
    });
  }

  /** Stops the loop; a leader stops writing at once, then hands the Lease back so another replica takes over now. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#setLeading(false, true);
    // An attempt in flight may still acquire or renew; release whatever it leaves us holding.
    await this.#inFlight;
    const lease = this.#observed;
    if (!lease || lease.spec.holderIdentity !== this.#o.identity) return;
    const now = microTime(this.#o.now());
    try {
      // As client-go does: no holder and a 1 s duration, so any candidate (ours or client-go's) acquires at once.
      await this.#client.replace({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
      this.#o.log?.info(`released the lease ${this.#client.where}`);
    } catch (err) {
      this.#o.log?.warn(`could not release the lease ${this.#client.where} (${message(err)}); another replica takes over when it expires`);
    }
  }

  /** Whether we hold the Lease after this attempt; null when the API could not tell (keep the current state). */
  async #attempt(): Promise<boolean | null> {
    const me = this.#o.identity;
    const started = this.#o.now();
    try {
      const live = await this.#client.get();
      if (this.#stopped) return null;
      if (!live) {
        const created = await this.#client.create(this.#record(null, started));
        return this.#won(created, started);
      }
      this.#observe(live);
      const holder = live.spec.holderIdentity ?? '';
      if (holder !== '' && holder !== me && !this.#expired(live)) return false;
      const written = await this.#client.replace(this.#record(live, started));
      return this.#won(written, started);
    } catch (err) {
      // A 409 means another replica wrote the Lease between our read and our write: it won this round.
      if ((err as { code?: number }).code === 409) return false;
      this.#problem(`cannot ${this.#leading ? 'renew' : 'acquire'} the lease ${this.#client.where}: ${message(err)}${hint(err, this.#client.where)}`);
      return null;
    }
  }

  #won(lease: Lease, at: number): boolean {
    // A renewal that lands after the deadline: writes were already refused, so lead anew (a full status write).
    if (this.#leading && !this.isLeader()) this.#setLeading(false, false, `the lease ${this.#client.where} was not renewed within ${this.#o.renewDeadlineMs / 1000}s`);
    this.#observe(lease);
    this.#renewedAt = at;
    return !this.#stopped;
  }

  #settle(held: boolean | null): void {
    if (this.#stopped) return;
    if (held === null) {
      // The API could not say; keep leading only while the renew deadline allows.
      if (this.#leading && !this.isLeader()) this.#setLeading(false, false, `could not renew the lease ${this.#client.where} for ${this.#o.renewDeadlineMs / 1000}s`);
      return;
    }
    this.#lastProblem = '';
    this.#setLeading(held, false, held ? undefined : `the lease ${this.#client.where} is held by ${this.holder() || 'another replica'}`);
    if (!held && this.holder() !== this.#followed) {
      this.#followed = this.holder();
      this.#o.log?.info(`following: the lease ${this.#client.where} is held by ${this.#followed || 'nobody'}; serving, not writing status`);
    }
    if (held) this.#followed = '';
  }

  #setLeading(leading: boolean, stopping: boolean, why?: string): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    if (leading) {
      this.#o.log?.info(`became the leader (lease ${this.#client.where}, identity ${this.#o.identity}): writing status`);
      this.#o.onStartedLeading?.();
    } else {
      if (!stopping) this.#o.log?.warn(`stopped leading: ${why}; status writes stop, serving goes on`);
      this.#o.onStoppedLeading?.();
    }
  }

  /** Expiry by our clock from when we first saw this version of the Lease, so clock skew between hosts cannot matter. */
  #expired(live: Lease): boolean {
    const seconds = live.spec.leaseDurationSeconds ?? this.#o.leaseDurationMs / 1000;
    return this.#o.now() - this.#observedAt >= seconds * 1000;
  }

  #observe(lease: Lease): void {
    if (!this.#observed || lease.metadata.resourceVersion !== this.#observed.metadata.resourceVersion) this.#observedAt = this.#o.now();
    this.#observed = lease;
  }

  #record(live: Lease | null, at: number): Lease {
    const me = this.#o.identity;
    const ours = live?.spec.holderIdentity === me;
    const transitions = live?.spec.leaseTransitions ?? 0;
    const [namespace, name] = this.#client.where.split('/') as [string, string];
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: live ? live.metadata : { name, namespace },
      spec: {
        holderIdentity: me,
        leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
        acquireTime: ours ? (live.spec.acquireTime ?? microTime(at)) : microTime(at),
        renewTime: microTime(at),
        leaseTransitions: live && !ours ? transitions + 1 : transitions,
      },
    };
  }

  /** The same failure every 2 s is logged once, until it changes or an attempt succeeds. */
  #problem(text: string): void {
    if (text === this.#lastProblem) return;
    this.#lastProblem = text;
    this.#o.log?.warn(text);
  }
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** hostname_pid: unique per replica, and says where to look. */
export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}`;
}

export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The namespace for the Lease when `--lease-namespace` is not given: the pod's own namespace in a cluster (where the
 * chart grants the Lease permissions), else the kubeconfig context's namespace, else `default`, as kubectl picks one.
 */
export function defaultLeaseNamespace(contextNamespace: string | undefined, file = SERVICE_ACCOUNT_NAMESPACE_FILE): string {
  try {
    const ns = readFileSync(file, 'utf8').trim();
    if (ns) return ns;
  } catch {
    // not in a pod
  }
  return contextNamespace || 'default';
}

/** The Lease `namespace/name` over the API server. */
export function kubeLeaseClient(client: KubeClient, namespace: string, name: string): LeaseClient {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const item = `${collection}/${encodeURIComponent(name)}`;
  return {
    where: `${namespace}/${name}`,
    async get() {
      try {
        return await client.request<Lease>('GET', item);
      } catch (err) {
        if ((err as { code?: number }).code === 404) return null;
        throw err;
      }
    },
    create: (lease) => client.request<Lease>('POST', collection, lease),
    replace: (lease) => client.request<Lease>('PUT', item, lease),
  };
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

function hint(err: unknown, where: string): string {
  const ns = where.split('/')[0];
  const code = (err as { code?: number }).code;
  if (code === 403) return `; grant get, create and update on leases.coordination.k8s.io in namespace ${ns} to the controller's account`;
  if (code === 404) return `; create namespace ${ns} or choose another with --lease-namespace`;
  return '';
}
