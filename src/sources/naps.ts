// Waits between retries that a shutdown must cut short: a list or watch loop sleeping off a failure should not hold
// the process open for up to 30 s after close().

export class Naps {
  readonly #wakers = new Set<() => void>();

  /** Resolves after `ms`, or at once when wakeAll() is called. */
  sleep(ms: number): Promise<void> {
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

  wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}
