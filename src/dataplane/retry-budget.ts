// XBackendTrafficPolicy retry budgets: per Service cluster, retries may make up at most `percent` of the requests
// sent to it over the last interval, or, whatever that percentage gives, `minRetryCount` per `minRetryIntervalMs`.
// Budgets live in this process across config versions (keyed by cluster and settings), so a reload does not refill
// them. Counted: requests of routes that have a retry policy (the only ones that can retry).
import type * as ir from '../ir/types.ts';

const SLOTS = 10;

/** Counts events over a sliding window, in SLOTS steps: memory stays constant however busy the backend is. */
class SlidingCount {
  readonly #slotMs: number;
  readonly #counts = new Array<number>(SLOTS).fill(0);
  readonly #epochs = new Array<number>(SLOTS).fill(-1);

  constructor(windowMs: number) {
    this.#slotMs = Math.max(1, windowMs / SLOTS);
  }

  add(now: number): void {
    const epoch = Math.floor(now / this.#slotMs);
    const i = epoch % SLOTS;
    if (this.#epochs[i] !== epoch) {
      this.#epochs[i] = epoch;
      this.#counts[i] = 0;
    }
    this.#counts[i]++;
  }

  sum(now: number): number {
    const epoch = Math.floor(now / this.#slotMs);
    let total = 0;
    for (let i = 0; i < SLOTS; i++) if (epoch - this.#epochs[i] < SLOTS) total += this.#counts[i];
    return total;
  }
}

export class RetryBudget {
  readonly #spec: ir.RetryBudget;
  readonly #requests: SlidingCount;
  readonly #retries: SlidingCount;
  readonly #recentRetries: SlidingCount;

  constructor(spec: ir.RetryBudget) {
    this.#spec = spec;
    this.#requests = new SlidingCount(spec.intervalMs);
    this.#retries = new SlidingCount(spec.intervalMs);
    this.#recentRetries = new SlidingCount(spec.minRetryIntervalMs);
  }

  /** Every attempt sent to the backend, first tries and retries alike. */
  sent(now = performance.now()): void {
    this.#requests.add(now);
  }

  /** Whether one more retry fits; when it does, it is counted. */
  tryRetry(now = performance.now()): boolean {
    const inBudget = this.#retries.sum(now) < (this.#spec.percent / 100) * this.#requests.sum(now);
    const underMinimum = this.#recentRetries.sum(now) < this.#spec.minRetryCount;
    if (!inBudget && !underMinimum) return false;
    this.#retries.add(now);
    this.#recentRetries.add(now);
    return true;
  }
}

const budgets = new Map<string, RetryBudget>();

/** The budget of one cluster; the same object for the same cluster and settings in every config version. */
export function retryBudgetFor(cluster: string, spec: ir.RetryBudget): RetryBudget {
  const key = `${cluster}|${spec.percent}|${spec.intervalMs}|${spec.minRetryCount}|${spec.minRetryIntervalMs}`;
  let b = budgets.get(key);
  if (b === undefined) {
    b = new RetryBudget(spec);
    budgets.set(key, b);
  }
  return b;
}
