// One kind's routes sorted by compareObjects and compiled, kept between translations. Sources hand out each list
// sorted, and a one-route change as a new list whose other objects are the same objects in the same places: the
// previous result is reused but for the changed stretch between the common ends, which is checked to be in order
// too. A list that is not strictly in order (or a first one) is sorted and compiled in full.
import { compareObjects } from '../api/snapshot.ts';
import type { KubeObject } from '../api/meta.ts';

export class CompiledList<R extends KubeObject, C> {
  #input: readonly R[] | null = null;
  /** The previous input was strictly in order: index i of it compiled to index i of #out. */
  #strict = false;
  #out: readonly C[] = [];

  /** Forgets the previous result (what it compiled is no longer valid). */
  clear(): void {
    this.#input = null;
    this.#out = [];
  }

  /** `input` sorted by compareObjects (stable) and mapped through `compile`; read-only, shared with later calls. */
  of(input: readonly R[], compile: (r: R) => C): readonly C[] {
    const prev = this.#input;
    if (prev === input) return this.#out;
    const patched = prev !== null && this.#strict ? this.#patched(prev, input, compile) : null;
    this.#input = input;
    this.#strict = patched !== null || strictlySorted(input, 0, input.length);
    this.#out = patched ?? [...input].sort(compareObjects).map(compile);
    return this.#out;
  }

  #patched(prev: readonly R[], input: readonly R[], compile: (r: R) => C): C[] | null {
    let head = 0;
    const n = input.length, m = prev.length;
    while (head < n && head < m && input[head] === prev[head]) head++;
    let tail = 0;
    while (tail < n - head && tail < m - head && input[n - 1 - tail] === prev[m - 1 - tail]) tail++;
    // The common ends are in order (the previous list was); the stretch between them and its borders must be too.
    if (!strictlySorted(input, Math.max(head - 1, 0), Math.min(n - tail + 1, n))) return null;
    const out = this.#out.slice(0, head);
    for (let i = head; i < n - tail; i++) out.push(compile(input[i]!));
    for (let i = m - tail; i < m; i++) out.push(this.#out[i]!);
    return out;
  }
}

/** Whether input[from..to) is strictly increasing by compareObjects. */
function strictlySorted(input: readonly KubeObject[], from: number, to: number): boolean {
  for (let i = from + 1; i < to; i++) if (compareObjects(input[i - 1]!, input[i]!) >= 0) return false;
  return true;
}
