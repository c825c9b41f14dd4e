// The routechange test: under steady load, a live route's backends and weights change `changes` times; every
// response must be 200. Each change (the wrap from the last state to the first included) brings in a backend the
// previous state did not have, so the first response from it shows the change is live before the next is written.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { waitFor200 } from '../lib/http.ts';
import { routeYaml, type WeightedRef } from '../lib/manifests.ts';
import { sleep } from '../lib/proc.ts';
import type { WatchedPortico } from './portico.ts';

export function describeStates(): string {
  return STATES.map((s) => s.map((b) => `${b.service}:${b.weight}`).join('+')).join(' → ');
}

export type RoutechangeResult = {
  changes: number;
  requests: number;
  non200: number;
  /** Requests that failed without an HTTP answer (reset, refused, timeout). */
  failures: number;
  statuses: Record<string, number>;
  /** Time from each write to the first response from the backend it brought in. */
  applyMs: number[];
  unobserved: number;
  /** The states (as written) whose new backend did not answer within the deadline. */
  missed: string[];
};

export const STATES: readonly (readonly WeightedRef[])[] = [
  [{ service: 'a', weight: 1 }],
  [{ service: 'b', weight: 1 }],
  [{ service: 'a', weight: 1 }, { service: 'c', weight: 1 }],
  [{ service: 'b', weight: 1 }],
  [{ service: 'c', weight: 1 }],
  [{ service: 'c', weight: 9 }, { service: 'b', weight: 1 }],
];
export const CONCURRENCY = 8;
const MAX_REQUESTS = 400_000;
const OBSERVE_DEADLINE_MS = 5_000;

export async function routechange(p: WatchedPortico, changes: number): Promise<RoutechangeResult> {
  const path = '/routechange';
  const res: RoutechangeResult = { changes, requests: 0, non200: 0, failures: 0, statuses: {}, applyMs: [], unobserved: 0, missed: [] };
  p.write('routechange.yaml', routeYaml('routechange', path, STATES[0]));
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let wanted: Set<string> | null = null;
  let seen: (() => void) | null = null;
  let stop = false;

  const one = () => new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: p.port, path: `${path}/x`, agent, timeout: 5000 }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => { body += c; });
      r.on('end', () => {
        res.requests++;
        const code = String(r.statusCode);
        res.statuses[code] = (res.statuses[code] ?? 0) + 1;
        if (r.statusCode !== 200) res.non200++;
        else if (wanted?.has(body)) { wanted = null; seen?.(); }
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => { res.requests++; res.failures++; resolve(); });
  });
  const worker = async () => { while (!stop && res.requests < MAX_REQUESTS) await one(); };

  // Start the load only once the route's first state is live, so a 404 before it exists is not counted.
  await waitFor200(p.port, `${path}/x`, 30_000, 'routechange: the route\'s first state');
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await sleep(200);
  for (let i = 1; i <= changes && res.requests < MAX_REQUESTS; i++) {
    const prev = new Set(STATES[(i - 1) % STATES.length].map((b) => b.service));
    const next = STATES[i % STATES.length];
    const fresh = new Set(next.map((b) => b.service).filter((s) => !prev.has(s)));
    let timer: NodeJS.Timeout | undefined;
    const observed = new Promise<boolean>((resolve) => {
      wanted = fresh;
      seen = () => resolve(true);
      timer = setTimeout(() => resolve(false), OBSERVE_DEADLINE_MS);
    });
    const t0 = performance.now();
    p.write('routechange.yaml', routeYaml('routechange', path, next));
    if (await observed) res.applyMs.push(performance.now() - t0);
    else { res.unobserved++; res.missed.push(`#${i} ${next.map((b) => `${b.service}:${b.weight}`).join('+')}`); }
    clearTimeout(timer);
    wanted = null;
    await sleep(100); // steady load on the new state before the next change
  }
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  return res;
}
