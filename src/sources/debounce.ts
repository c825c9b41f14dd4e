// Turns a burst of changes (an editor saving several files, a directory copied in) into one rebuild:
// wait for a short quiet period, but never longer than a cap after the first change.

export type DebounceOptions = {
  /** Quiet time after the last trigger before running. */
  holdoffMs?: number;
  /** Longest wait after the first trigger of a burst, so a steady stream of changes still gets applied. */
  maxMs?: number;
  /** Where an error thrown by the debounced function goes; the debouncer keeps working after it. */
  onError?: (err: unknown) => void;
  /**
   * Run the first trigger after a quiet period at once instead of after the holdoff: a lone change (one file saved)
   * applies without waiting, and triggers that arrive while it runs are still gathered into one run after it. The
   * holdoff then counts from the end of the last run, so runs are at least that far apart.
   */
  leading?: boolean;
};

export type Debouncer = {
  trigger(): void;
  /** Runs now if anything is pending, and resolves once that run (and any run in progress) finished. */
  flush(): Promise<void>;
  /** Drops anything pending and stops future runs. */
  cancel(): void;
  /** Resolves when no run is pending or in progress. */
  idle(): Promise<void>;
};

/**
 * Runs `fn` at most once at a time: a trigger that arrives while `fn` runs schedules one more run after it,
 * so the last change is always applied and runs never overlap.
 */
export function debounce(fn: () => void | Promise<void>, options: DebounceOptions = {}): Debouncer {
  const holdoff = options.holdoffMs ?? 20;
  const max = options.maxMs ?? 200;
  const onError = options.onError ?? ((err: unknown) => console.error('portico: rebuild failed:', err));
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let firstAt = 0;
  let lastEnd = -Infinity;
  let pending = false;
  let running: Promise<void> | undefined;
  let cancelled = false;
  let waiters: (() => void)[] = [];

  const settleIfIdle = () => {
    if (pending || running) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  const run = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    if (!pending || cancelled) {
      settleIfIdle();
      return running ?? Promise.resolve();
    }
    if (running) return running; // the run in progress reschedules itself when it ends
    pending = false;
    running = (async () => {
      try {
        // Yield first so `running` is assigned before a synchronous throw reaches `finally`.
        await Promise.resolve();
        await fn();
      } catch (err) {
        onError(err);
      } finally {
        running = undefined;
        lastEnd = Date.now();
        if (pending && !cancelled) schedule();
        settleIfIdle();
      }
    })();
    return running;
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    const now = Date.now();
    // Leading: the holdoff is a gap after the last run, not a quiet period after each trigger. A change that lands
    // just after an unrelated rebuild (a status write echoed back by the watch) then waits what is left of the gap,
    // not a whole holdoff again, and a steady stream of triggers cannot push the run back.
    const due = options.leading ? Math.max(now, lastEnd + holdoff) : now + holdoff;
    timer = setTimeout(run, Math.max(0, Math.min(due, firstAt + max) - now));
  };

  return {
    trigger() {
      if (cancelled) return;
      const now = Date.now();
      const quiet = !pending && !running && now - lastEnd >= holdoff;
      if (!pending) firstAt = now;
      pending = true;
      if (running) return;
      if (options.leading && quiet) immediate ??= setImmediate(run);
      else if (!immediate) schedule();
    },
    async flush() {
      while (pending || running) {
        if (running) await running;
        else await run();
      }
    },
    cancel() {
      cancelled = true;
      pending = false;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      timer = undefined;
      immediate = undefined;
      settleIfIdle();
    },
    idle() {
      if (!pending && !running) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
