// Operational warnings, each said once while it holds. Every apply reports the problems it still sees; a problem no
// apply reports any more is forgotten, so the set stays as small as the current configs (and says it again if it
// comes back).

export class Warnings {
  readonly #sink: (message: string) => void;
  #said = new Set<string>();
  #current: Set<string> | null = null;

  constructor(sink: (message: string) => void) {
    this.#sink = sink;
  }

  readonly warn = (message: string): void => {
    this.#current?.add(message);
    if (this.#said.has(message)) return;
    this.#said.add(message);
    this.#sink(message);
  };

  /** Called at the start of an apply: from here on, warnings are collected as the current set. */
  begin(): void {
    this.#current = new Set();
  }

  /** Counts already-said warnings as current (a reused compiled config does not say them again). */
  still(messages: readonly string[]): void {
    for (const m of messages) this.#current?.add(m);
  }

  /** Ends an apply: `applied` false (it failed) keeps everything, true forgets what was not seen again. */
  end(applied: boolean): void {
    if (applied && this.#current !== null) this.#said = this.#current;
    this.#current = null;
  }
}
