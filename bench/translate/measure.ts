// One size of the control-plane benchmark, in its own process so heap figures start clean:
//   node --expose-gc bench/translate/measure.ts ROUTES RUNS
// Prints one JSON line: translate() times for each run, and heap before and with one result retained.
import { performance } from 'node:perf_hooks';
import type { ResourceSnapshot } from '../../src/api/snapshot.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import type { TranslateResult } from '../../src/translate/result.ts';
import { gatewayYaml, routesYaml, serviceYaml } from '../lib/manifests.ts';
import { porticoRoot } from '../lib/portico.ts';

// Loaded from the tree under test, which may be another checkout than the harness's (--portico).
const root = porticoRoot();
const { snapshotOf } = await import(`${root}src/api/snapshot.ts`) as { snapshotOf: (o: readonly KubeObject[]) => ResourceSnapshot };
const { parseManifests } = await import(`${root}src/sources/parse.ts`) as { parseManifests: (t: string, f: string) => { object: KubeObject }[] };
const { translate } = await import(`${root}src/translate/index.ts`) as { translate: (s: ResourceSnapshot) => TranslateResult };

const routes = Number(process.argv[2]);
const runs = Number(process.argv[3] ?? 5);
const gc = (globalThis as { gc?: () => void }).gc;
if (!routes || !gc) {
  console.error('usage: node --expose-gc bench/translate/measure.ts ROUTES [RUNS]');
  process.exit(2);
}
const SERVICES = 100;

const services = Array.from({ length: SERVICES }, (_, i) => `svc${i}`);
let text = gatewayYaml(8080);
services.forEach((s, i) => { text += serviceYaml(s, 20000 + i); });
text += routesYaml(routes, services);
const parseStart = performance.now();
const snapshot = snapshotOf(parseManifests(text, 'generated.yaml').map((p) => p.object));
const parseMs = performance.now() - parseStart;
if (snapshot.httpRoutes.length !== routes) throw new Error(`generated ${snapshot.httpRoutes.length} HTTPRoutes, expected ${routes}`);

const mib = (b: number) => b / 2 ** 20;
gc(); gc();
const heapBefore = process.memoryUsage().heapUsed;
const timesMs: number[] = [];
let kept: TranslateResult | null = null;
for (let i = 0; i < runs; i++) {
  kept = null;
  gc();
  const t0 = performance.now();
  kept = translate(snapshot);
  timesMs.push(performance.now() - t0);
}
gc(); gc();
const heapWithResult = process.memoryUsage().heapUsed;
const proxies = kept!.proxies.size;
type Parents = { parents?: { conditions?: { type: string; status: string }[] }[] };
const accepted = kept!.status.filter((s) => s.kind === 'HTTPRoute' &&
  (s.status as Parents).parents?.some((p) => p.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True'))).length;
console.log(JSON.stringify({
  routes, parseMs, timesMs, proxies, accepted,
  snapshotHeapMiB: mib(heapBefore), resultHeapMiB: mib(heapWithResult - heapBefore), rssMiB: mib(process.memoryUsage().rss),
}));
