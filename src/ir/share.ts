// A config that arrives as JSON (a proxy's config stream) is all new objects, and the data plane reuses compiled
// routes, virtual hosts and validation by object identity: every push would compile all 5,000 routes again (70 ms,
// twice that under memory saver mode) and leave the old ones as garbage. Sharing the parts that did not change makes
// a one-route push cost what it costs in `portico run`, where translate already keeps unchanged objects.

/**
 * `next`, with every part structurally equal to the matching part of `prev` replaced by prev's object; `prev` itself
 * when nothing differs. Array elements carrying a string `name` (routes) are matched by name, so a route inserted
 * mid-list does not make the rest look changed; others by position. Changes `next` in place: pass a value nothing
 * else holds, such as JSON.parse's result. Config objects must not be changed after (the data plane never does).
 */
export function shareUnchanged<T>(prev: T | undefined, next: T): T {
  return share(prev, next) as T;
}

type Obj = Record<string, unknown>;

function share(a: unknown, b: unknown): unknown {
  if (a === b || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b ? a : b;
  const arrays = Array.isArray(a);
  if (arrays !== Array.isArray(b)) return b;
  return arrays ? shareArray(a as unknown[], b as unknown[]) : shareObject(a as Obj, b as Obj);
}

function shareArray(a: unknown[], b: unknown[]): unknown[] {
  let same = a.length === b.length;
  let byName: Map<string, unknown> | null = null;
  for (let i = 0; i < b.length; i++) {
    const name = nameOf(b[i]);
    let before = a[i];
    if (name !== undefined && nameOf(before) !== name) {
      byName ??= new Map(a.map((x) => [nameOf(x) ?? '', x]));
      before = byName.get(name);
    }
    const v = share(before, b[i]);
    b[i] = v;
    if (v !== a[i]) same = false;
  }
  return same ? a : b;
}

function shareObject(a: Obj, b: Obj): Obj {
  let count = 0;
  let same = true;
  // for-in allocates no key array; objects from JSON.parse inherit no enumerable keys.
  for (const k in b) {
    count++;
    // JSON.parse makes "__proto__" an own key; assigning it would set the prototype instead.
    if (k === '__proto__' || !Object.hasOwn(a, k)) {
      same = false;
      continue;
    }
    const v = share(a[k], b[k]);
    if (v !== b[k]) b[k] = v;
    if (v !== a[k]) same = false;
  }
  if (!same) return b;
  for (const _ in a) count--;
  return count === 0 ? a : b;
}

function nameOf(x: unknown): string | undefined {
  const name = typeof x === 'object' && x !== null ? (x as Obj).name : undefined;
  return typeof name === 'string' ? name : undefined;
}
