// Memory of `portico run` (file source, store, translate, status and the data plane in one process) holding ROUTES
// routes, after PROBES more were added one at a time: RSS, and heap after a forced GC (through the inspector).
//   node bench/propagation/memory.ts [ROUTES=3000] [PROBES=20]
import { closeAgent } from '../lib/http.ts';
import { gcAndMeasure } from '../lib/inspector.ts';
import { makeTempDir, removeTempDir, rssMiB, stopAll } from '../lib/proc.ts';
import { fmt } from '../lib/stats.ts';
import { closeUpstreams, startNamedUpstreams } from '../lib/upstreams.ts';
import { startWatchedPortico } from './portico.ts';
import { probe } from './probe.ts';

const routes = Number(process.argv[2] ?? 3000), probes = Number(process.argv[3] ?? 20);
const ups = await startNamedUpstreams(['a', 'b', 'c']);
const dir = makeTempDir('portico-memory-');
try {
  const p = await startWatchedPortico(dir, ups, routes);
  const r = await probe(p, probes, 'a');
  const rss = rssMiB(p.proc.pid);
  const after = await gcAndMeasure(p.inspectPort);
  console.log(`${routes} routes + ${probes} probes (p50 ${fmt(r.timesMs.sort((a, b) => a - b)[r.timesMs.length >> 1]!, 1)} ms): ` +
    `RSS ${fmt(rss, 0)} MiB; after a forced GC heap ${fmt(after.heapMiB, 1)} MiB, RSS ${fmt(after.rssMiB, 0)} MiB`);
} finally {
  await stopAll();
  removeTempDir(dir);
  await closeUpstreams(ups);
  closeAgent();
}
