// Incremental translation at one size: a store holding ROUTES HTTPRoutes, then STEPS routes added one at a time,
// each followed by Translator.translate() (what `portico run` does) and, for comparison, a translate() from scratch:
//   node bench/translate/incremental.ts [ROUTES=3000] [STEPS=30] [--incremental-only]
// Prints the median ms of each, and of the status work `portico run` does after each (finalize, then the status
// store's stamping), and checks that both translations gave the same result (--incremental-only: neither, so a
// --cpu-prof profile shows the incremental path alone).
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import { parseManifests } from '../../src/sources/parse.ts';
import { ResourceStore } from '../../src/sources/store.ts';
import { finalize } from '../../src/status/finalize.ts';
import { StatusStore } from '../../src/status/store.ts';
import { translate, Translator } from '../../src/translate/index.ts';
import { gatewayYaml, routeYaml, routesYaml, serviceYaml } from '../lib/manifests.ts';
import { fmt, percentile } from '../lib/stats.ts';

const args = process.argv.slice(2).filter((a) => a !== '--incremental-only');
const alone = args.length < process.argv.length - 2;
const routes = Number(args[0] ?? 3000), steps = Number(args[1] ?? 30);
const services = Array.from({ length: 100 }, (_, i) => `svc${i}`);
let text = gatewayYaml(8080);
services.forEach((s, i) => { text += serviceYaml(s, 20000 + i); });
text += routesYaml(routes, services);
const store = new ResourceStore();
for (const p of parseManifests(text, 'generated.yaml')) store.upsert(p.object);
const translator = new Translator();
const statuses = new StatusStore();
statuses.update(finalize(translator.translate(store.snapshot()).status, [], []));
const incremental: number[] = [], full: number[] = [], status: number[] = [];
for (let k = 0; k < steps; k++) {
  for (const p of parseManifests(routeYaml(`probe-${k}`, `/probe/${k}`, [{ service: 'svc0', weight: 1 }]), `probe-${k}.yaml`)) store.upsert(p.object);
  const snapshot = store.snapshot();
  let t0 = performance.now();
  const a = translator.translate(snapshot);
  incremental.push(performance.now() - t0);
  t0 = performance.now();
  statuses.update(finalize(a.status, [], []));
  status.push(performance.now() - t0);
  if (alone) continue;
  t0 = performance.now();
  const b = translate(snapshot);
  full.push(performance.now() - t0);
  if (!isDeepStrictEqual(a, b)) throw new Error(`step ${k}: the incremental result differs from a full translation`);
}
const line = `${routes} routes, ${steps} one-route additions: Translator.translate p50 ${fmt(percentile(incremental, 50), 1)} ms (min ${fmt(Math.min(...incremental), 1)}), ` +
  `status p50 ${fmt(percentile(status, 50), 2)} ms`;
console.log(alone ? line : `${line}, translate() from scratch p50 ${fmt(percentile(full, 50), 1)} ms (min ${fmt(Math.min(...full), 1)}); results equal`);
