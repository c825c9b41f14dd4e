// Weighted choice across a route's backends, and round robin across a cluster's endpoints.

export type WeightedChoice<T> = { pick(): T | undefined };

/** Weights are relative (their sum is the denominator); zero-weight entries are never picked. Empty/all-zero → undefined. */
export function compileWeightedChoice<T>(items: readonly { value: T; weight: number }[]): WeightedChoice<T> {
  const live = items.filter((i) => i.weight > 0);
  if (live.length === 0) return { pick: () => undefined };
  if (live.length === 1) {
    const only = live[0].value;
    return { pick: () => only };
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const item of live) {
    total += item.weight;
    cumulative.push(total);
  }
  const values = live.map((i) => i.value);
  return {
    pick() {
      const r = Math.random() * total;
      for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]) return values[i];
      return values[values.length - 1];
    },
  };
}

/** `items`: every endpoint in turn order, for choosers that pick one by identity (session persistence). */
export type RoundRobin<T> = { next(): T | undefined; readonly items: readonly T[] };

export function roundRobin<T>(items: readonly T[]): RoundRobin<T> {
  let i = 0;
  return {
    items,
    next() {
      if (items.length === 0) return undefined;
      const item = items[i];
      i = (i + 1) % items.length;
      return item;
    },
  };
}
