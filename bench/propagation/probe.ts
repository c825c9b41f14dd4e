// The probe test: add HTTPRoutes one at a time to a running Portico and time each from the file write to the
// first 200 on its path. Polling is keep-alive GETs 1 ms apart, bounded by a deadline per route: a tight loop kept
// one of this machine's two cores busy with 404s, CPU the system under test then did not have.
import { performance } from 'node:perf_hooks';
import { get } from '../lib/http.ts';
import { routeYaml } from '../lib/manifests.ts';
import { sleep } from '../lib/proc.ts';
import { delta, meanMs, scrape } from '../lib/scrape.ts';
import type { WatchedPortico } from './portico.ts';

export type ProbeResult = {
  timesMs: number[];
  timeouts: number;
  polls: number;
  /** From Portico's metrics over the probes: configs applied, mean translate and apply time per rebuild. */
  rebuilds: number;
  translateMs: number;
  applyMs: number;
};

const DEADLINE_MS = 10_000;
export const POLL_MS = 1;

export async function probe(p: WatchedPortico, count: number, service: string): Promise<ProbeResult> {
  const timesMs: number[] = [];
  let timeouts = 0, polls = 0;
  const before = await scrape(p.adminPort);
  for (let k = 0; k < count; k++) {
    const path = `/probe/${k}`;
    const first = await get(p.port, `${path}/x`);
    if (first.status === 200) throw new Error(`probe route ${path} answers 200 before it was written; stale files in ${p.watched}?`);
    const t0 = performance.now();
    p.write(`probe-${k}.yaml`, routeYaml(`probe-${k}`, path, [{ service, weight: 1 }]));
    for (;;) {
      const elapsed = performance.now() - t0;
      if (elapsed > DEADLINE_MS) { timeouts++; break; }
      polls++;
      const r = await get(p.port, `${path}/x`).catch(() => null);
      if (r?.status === 200) { timesMs.push(performance.now() - t0); break; }
      await sleep(POLL_MS);
    }
    // Let the rebuild that served this route settle, so the next write starts from a quiet control plane.
    await sleep(50);
  }
  const after = await scrape(p.adminPort);
  return {
    timesMs, timeouts, polls,
    rebuilds: delta(before, after, 'portico_config_version'),
    translateMs: meanMs(before, after, 'portico_translate_duration_seconds'),
    applyMs: meanMs(before, after, 'portico_apply_duration_seconds'),
  };
}
