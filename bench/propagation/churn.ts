// Route churn: HTTPRoutes created and deleted in a loop on a running Portico; its heap and RSS after the loop
// should come back to where they were after a short warm-up (heap read after a forced GC, through the inspector). Each step waits until the change is live (200, then
// 404), so the loop measures applied configs, not queued file events. Bounded by a cycle count and a deadline.
import { performance } from 'node:perf_hooks';
import { get } from '../lib/http.ts';
import { routeYaml } from '../lib/manifests.ts';
import { sleep } from '../lib/proc.ts';
import { gcAndMeasure } from '../lib/inspector.ts';
import type { WatchedPortico } from './portico.ts';

export type ChurnResult = {
  cycles: number;
  seconds: number;
  heapStartMiB: number;
  heapEndMiB: number;
  rssStartMiB: number;
  rssEndMiB: number;
  /** Steps whose change was not live within the step deadline. */
  stuck: number;
};

const WARMUP = 10;
const STEP_DEADLINE_MS = 10_000;

async function untilStatus(p: WatchedPortico, path: string, want: number): Promise<boolean> {
  const deadline = performance.now() + STEP_DEADLINE_MS;
  while (performance.now() < deadline) {
    const r = await get(p.port, path).catch(() => null);
    if (r?.status === want) return true;
    await sleep(2);
  }
  return false;
}

export async function churn(p: WatchedPortico, cycles: number, deadlineMs: number, service: string): Promise<ChurnResult> {
  let stuck = 0;
  const cycle = async (k: number) => {
    const path = `/churn/${k % 50}`;
    p.write('churn.yaml', routeYaml(`churn-${k % 50}`, path, [{ service, weight: 1 }]));
    if (!(await untilStatus(p, `${path}/x`, 200))) stuck++;
    p.remove('churn.yaml');
    if (!(await untilStatus(p, `${path}/x`, 404))) stuck++;
  };
  for (let k = 0; k < WARMUP; k++) await cycle(k);
  const start = await gcAndMeasure(p.inspectPort);
  const t0 = performance.now();
  let done = 0;
  while (done < cycles && performance.now() - t0 < deadlineMs) await cycle(WARMUP + done++);
  const seconds = (performance.now() - t0) / 1000;
  const end = await gcAndMeasure(p.inspectPort);
  return { cycles: done, seconds, heapStartMiB: start.heapMiB, heapEndMiB: end.heapMiB, rssStartMiB: start.rssMiB, rssEndMiB: end.rssMiB, stuck };
}
