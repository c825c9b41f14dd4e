// Reads Portico's Prometheus metrics from its admin API: each series name summed over its labels, which is what
// the benchmarks need (rebuild counts, translate and apply time, heap).
import { get } from './http.ts';

export type Scrape = Map<string, number>;

export async function scrape(adminPort: number): Promise<Scrape> {
  const r = await get(adminPort, '/metrics');
  if (r.status !== 200) throw new Error(`GET /metrics on the admin port ${adminPort} answered ${r.status}`);
  return parseMetrics(r.body);
}

export function parseMetrics(text: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out.set(m[1], (out.get(m[1]) ?? 0) + v);
  }
  return out;
}

/** The change of a series between two scrapes (0 when absent). */
export function delta(before: Scrape, after: Scrape, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

/** Mean of a histogram over the interval between two scrapes, in milliseconds. */
export function meanMs(before: Scrape, after: Scrape, histogram: string): number {
  const n = delta(before, after, `${histogram}_count`);
  return n > 0 ? (delta(before, after, `${histogram}_sum`) / n) * 1000 : NaN;
}
