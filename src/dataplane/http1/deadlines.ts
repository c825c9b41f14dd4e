// Timeouts for the fast path's connections without a timer per request: each connection holds a deadline (a number
// it moves as its state changes) and one shared sweep, a few times a second, expires the ones past due. Arming a
// node timer per state change (request sent, head received, body done, idle) cost more CPU than the routing.

export type Expiring = {
  /** performance.now() value after which expire() is called; Infinity for none. */
  deadline: number;
  expire(): void;
};

const SWEEP_MS = 250;

const live = new Set<Expiring>();
let sweeper: NodeJS.Timeout | null = null;

function sweep(): void {
  const now = performance.now();
  for (const item of live) {
    if (item.deadline > now) continue;
    item.deadline = Infinity;
    item.expire();
  }
  if (live.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

export function watch(item: Expiring): void {
  live.add(item);
  if (sweeper === null) {
    sweeper = setInterval(sweep, SWEEP_MS);
    sweeper.unref();
  }
}

export function unwatch(item: Expiring): void {
  live.delete(item);
}
